"""Independent reference for the workbench's statistics: reads the runs' predictions.bin files with
numpy alone and computes every number with SciPy. Input: a JSON job on stdin; output: JSON on stdout."""
import json
import struct
import sys
import zlib

import numpy as np
from scipy import stats


def read_predictions(path):
    data = open(path, "rb").read()
    magic, version, k, num_classes, count, _ = struct.unpack_from("<4sHBBII", data, 0)
    assert magic == b"CWBP" and version == 1, (magic, version)
    assert zlib.crc32(data[:-4]) == struct.unpack_from("<I", data, len(data) - 4)[0], "crc"
    o = 16
    indices = np.frombuffer(data, "<u4", count, o); o += 4 * count
    labels = np.frombuffer(data, "u1", count, o); o += count
    top = np.frombuffer(data, "u1", count * k, o).reshape(count, k); o += count * k
    probs = np.frombuffer(data, "<u2", count * k, o).reshape(count, k) / 65535.0
    return {"indices": indices, "labels": labels, "top": top, "probs": probs, "k": k}


def mulberry32(seed, start, count):
    """Outputs start+1 .. start+count of mulberry32(seed), vectorised: its state after j steps is seed + j*0x6D2B79F5."""
    m = np.uint64(0xFFFFFFFF)
    a = (np.uint64(seed) + np.arange(start + 1, start + count + 1, dtype=np.uint64) * np.uint64(0x6D2B79F5)) & m

    def imul(x, y):
        return (x * y) & m

    t = a
    t = imul(t ^ (t >> np.uint64(15)), t | np.uint64(1))
    t = t ^ ((t + imul(t ^ (t >> np.uint64(7)), t | np.uint64(61))) & m)
    return t ^ (t >> np.uint64(14))


def paired(job):
    a, b = read_predictions(job["a"]), read_predictions(job["b"])
    assert np.array_equal(a["indices"], b["indices"]) and np.array_equal(a["labels"], b["labels"])
    ca = (a["top"][:, 0] == a["labels"]).astype(np.int64)
    cb = (b["top"][:, 0] == b["labels"]).astype(np.int64)
    n = len(ca)
    only_a = int(((ca == 1) & (cb == 0)).sum())
    only_b = int(((ca == 0) & (cb == 1)).sum())
    mcnemar = stats.binomtest(min(only_a, only_b), only_a + only_b, 0.5).pvalue if only_a + only_b else 1.0
    # The same resamples as the workbench (same generator, same index rule), then numpy's percentile.
    d = ca - cb
    resamples, seed = job["resamples"], job["seed"]
    diffs = np.empty(resamples)
    per = 200
    for r0 in range(0, resamples, per):
        r1 = min(resamples, r0 + per)
        u = mulberry32(seed, r0 * n, (r1 - r0) * n).reshape(r1 - r0, n)
        idx = ((u * np.uint64(n)) >> np.uint64(32)).astype(np.int64)
        diffs[r0:r1] = d[idx].sum(axis=1) / n
    low, high = np.percentile(diffs, [2.5, 97.5])
    # SciPy's own paired percentile bootstrap (its own resamples): agrees within Monte Carlo error.
    rng = np.random.default_rng(1)
    scipy_ci = stats.bootstrap((ca, cb), lambda x, y, axis=-1: x.mean(axis=axis) - y.mean(axis=axis),
                               paired=True, vectorized=True, n_resamples=resamples, method="percentile",
                               random_state=rng).confidence_interval
    return {
        "images": n,
        "accuracyA": float(ca.mean()),
        "accuracyB": float(cb.mean()),
        "onlyA": only_a,
        "onlyB": only_b,
        "mcnemarP": float(mcnemar),
        "bootstrapLow": float(low),
        "bootstrapHigh": float(high),
        "scipyBootstrapLow": float(scipy_ci.low),
        "scipyBootstrapHigh": float(scipy_ci.high),
        "meanTop1Prob": float(a["probs"][:, 0].mean()),
    }


def seeds_needed(x, y, power=0.8, alpha=0.05):
    d = abs(np.mean(x) - np.mean(y))
    var = (np.var(x, ddof=1) + np.var(y, ddof=1)) / 2
    ratio = var / d ** 2
    n = max(2, int(np.ceil(2 * (stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)) ** 2 * ratio)))
    for _ in range(100):
        df = 2 * n - 2
        nxt = max(2, int(np.ceil(2 * (stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)) ** 2 * ratio)))
        if nxt == n:
            break
        n = nxt
    return n


def groups(job):
    def accuracy(path):
        p = read_predictions(path)
        return float((p["top"][:, 0] == p["labels"]).mean())

    xs = [np.array([accuracy(f) for f in g]) for g in job["groups"]]
    out = {"accuracies": [x.tolist() for x in xs], "summaries": []}
    for x in xs:
        sem = stats.sem(x)
        low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=sem)
        out["summaries"].append({"mean": float(x.mean()), "std": float(np.std(x, ddof=1)), "low": float(low), "high": float(high)})
    res = stats.ttest_ind(xs[0], xs[1], equal_var=False)
    ci = res.confidence_interval(0.95)
    out["welch"] = {"t": float(res.statistic), "df": float(res.df), "p": float(res.pvalue), "low": float(ci.low), "high": float(ci.high)}
    out["seedsNeeded"] = seeds_needed(xs[0], xs[1])
    return out


def distributions(job):
    return {
        "tCdf": [float(stats.t.cdf(t, df)) for t, df in job["tCdf"]],
        "tPpf": [float(stats.t.ppf(p, df)) for p, df in job["tPpf"]],
        "normPpf": [float(stats.norm.ppf(p)) for p in job["normPpf"]],
        "binom": [float(stats.binomtest(min(b, c), b + c, 0.5).pvalue) if b + c else 1.0 for b, c in job["binom"]],
    }


job = json.load(sys.stdin)
json.dump({"paired": paired(job["paired"]), "groups": groups(job["groups"]), "distributions": distributions(job["distributions"])}, sys.stdout)

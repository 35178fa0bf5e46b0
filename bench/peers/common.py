"""What the Python peers of bench/engine.bench.ts share: the timing rule and the environment set-up."""
import os
import sys
import time


def quiet_tensorflow(threads):
    """TensorFlow on the CPU only, without start-up notices, with `threads` intra- and inter-op threads.

    Must run before tensorflow is imported. The same two numbers are given to tfjs-node (through
    TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS) and to PyTorch.
    """
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    os.environ["TF_NUM_INTRAOP_THREADS"] = str(threads)
    os.environ["TF_NUM_INTEROP_THREADS"] = str(threads)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    return tf


def timed(label, iterations, warmup, step, rounds=1):
    """Seconds per step: the best of `rounds` rounds of `iterations` steps after `warmup` steps.

    The machine is shared, so the fastest round is the one least disturbed (the tfjs bench does the same).
    """
    for _ in range(warmup):
        step()
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(iterations):
            step()
        best = min(best, (time.perf_counter() - t0) / iterations)
    print(f"  {label}: {best * 1000:.1f} ms/step", file=sys.stderr)
    return best


def schedule(quick):
    """(iterations, warmup, rounds) as the tfjs bench uses them."""
    return (2, 1, 1) if quick else (4, 2, 3)

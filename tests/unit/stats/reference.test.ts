import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  discordance,
  mcnemarExact,
  mulberry32,
  normalQuantile,
  pairedBootstrap,
  seedsNeeded,
  studentTCdf,
  studentTQuantile,
  summarize,
  welchTTest,
} from '@shared/stats'
import {
  correctness,
  decodePredictions,
  encodePredictions,
  topKPredictions,
} from '../../../src-main/engine/evaluation/predictions'
import { pythonSkipReason, referencePython, runPython } from './python'

const SCRIPT = join(import.meta.dirname, 'reference.py')
if (!referencePython) console.warn(`skipping the SciPy reference tests: ${pythonSkipReason}`)

/**
 * Softmax outputs of a simulated 10-class classifier on `n` images: each image is "easy" with
 * probability `skill` (the true class gets the largest logit) and otherwise gets noise logits.
 * `shared` draws the easiness from a common stream, so two runs agree on most images as real
 * models do and McNemar has discordant pairs to count.
 */
function simulatedPredictions(n: number, skill: number, seed: number, shared: number) {
  const common = mulberry32(shared)
  const own = mulberry32(seed)
  const u = (next: () => number) => next() / 4294967296
  const labels = Int32Array.from({ length: n }, (_, i) => (i * 7 + 3) % 10)
  const probs = new Float32Array(n * 10)
  for (let i = 0; i < n; i++) {
    const difficulty = u(common)
    const easy = difficulty < skill - 0.1 || (difficulty < skill + 0.1 && u(own) < 0.5)
    const logits = Array.from({ length: 10 }, () => 2 * u(own))
    if (easy) logits[labels[i]!] = 3 + u(own)
    const max = Math.max(...logits)
    const e = logits.map((l) => Math.exp(l - max))
    const z = e.reduce((a, b) => a + b, 0)
    e.forEach((v, c) => (probs[i * 10 + c] = v / z))
  }
  return topKPredictions(
    probs,
    labels,
    Int32Array.from({ length: n }, (_, i) => i),
    10,
  )
}

interface Reference {
  paired: {
    images: number
    accuracyA: number
    accuracyB: number
    onlyA: number
    onlyB: number
    mcnemarP: number
    bootstrapLow: number
    bootstrapHigh: number
    scipyBootstrapLow: number
    scipyBootstrapHigh: number
    meanTop1Prob: number
  }
  groups: {
    accuracies: number[][]
    summaries: Array<{ mean: number; std: number; low: number; high: number }>
    welch: { t: number; df: number; p: number; low: number; high: number }
    seedsNeeded: number
  }
  distributions: { tCdf: number[]; tPpf: number[]; normPpf: number[]; binom: number[] }
}

const T_CDF: Array<[number, number]> = [
  [0.5, 1],
  [-2.3, 3],
  [1.96, 7.4],
  [4.1, 2.5],
  [-0.01, 30],
  [12, 4],
  [2.2, 1000],
  [-6, 9.3],
]
const T_PPF: Array<[number, number]> = [
  [0.975, 1],
  [0.975, 4],
  [0.8, 8],
  [0.975, 8],
  [0.025, 3.7],
  [0.999, 12],
  [0.6, 100],
]
const NORM_PPF = [0.975, 0.8, 0.5, 0.01, 0.999]
const BINOM: Array<[number, number]> = [
  [0, 0],
  [3, 9],
  [7, 7],
  [120, 180],
  [1200, 900],
  [2, 40],
  [800, 1400],
]

describe.skipIf(!referencePython)('statistics against SciPy on the same predictions files', () => {
  let dir: string
  let ref: Reference
  const files = { a: '', b: '', groups: [[], []] as string[][] }
  const RESAMPLES = 1000
  const SEED = 12345

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cwb-stats-ref-'))
    const write = (name: string, p: ReturnType<typeof simulatedPredictions>) => {
      const path = join(dir, name)
      writeFileSync(path, encodePredictions(p))
      return path
    }
    files.a = write('a.bin', simulatedPredictions(10_000, 0.8, 1, 99))
    files.b = write('b.bin', simulatedPredictions(10_000, 0.75, 2, 99))
    // Two configs over five seeds each, on 2,000 test images: their spreads overlap somewhat.
    for (let s = 0; s < 5; s++) {
      files.groups[0]!.push(write(`x${s}.bin`, simulatedPredictions(2000, 0.62, 10 + s, 200 + s)))
      files.groups[1]!.push(write(`y${s}.bin`, simulatedPredictions(2000, 0.6, 20 + s, 300 + s)))
    }
    ref = runPython<Reference>(SCRIPT, {
      paired: { a: files.a, b: files.b, resamples: RESAMPLES, seed: SEED },
      groups: { groups: files.groups },
      distributions: { tCdf: T_CDF, tPpf: T_PPF, normPpf: NORM_PPF, binom: BINOM },
    })
  }, 120_000)
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }))

  const load = async (path: string) => decodePredictions(await readFile(path), path)

  it('exact McNemar and the accuracies match scipy.stats.binomtest on two runs over 10,000 images', async () => {
    const [a, b] = [correctness(await load(files.a)), correctness(await load(files.b))]
    const t = discordance(a, b)
    expect(t.onlyA).toBe(ref.paired.onlyA)
    expect(t.onlyB).toBe(ref.paired.onlyB)
    expect(t.onlyA + t.onlyB).toBeGreaterThan(500)
    expect((t.both + t.onlyA) / a.length).toBe(ref.paired.accuracyA)
    const p = mcnemarExact(t.onlyA, t.onlyB)
    expect(p).toBeLessThan(1e-3)
    expect(Math.abs(p - ref.paired.mcnemarP) / ref.paired.mcnemarP).toBeLessThan(1e-9)
  })

  it('the paired bootstrap equals numpy on the same resamples, and SciPy’s own bootstrap within Monte Carlo error', async () => {
    const [a, b] = [correctness(await load(files.a)), correctness(await load(files.b))]
    const ci = pairedBootstrap(a, b, RESAMPLES, SEED)
    expect(ci.low).toBeCloseTo(ref.paired.bootstrapLow, 12)
    expect(ci.high).toBeCloseTo(ref.paired.bootstrapHigh, 12)
    expect(ci.low).toBeLessThan(ref.paired.accuracyA - ref.paired.accuracyB)
    expect(ci.high).toBeGreaterThan(ref.paired.accuracyA - ref.paired.accuracyB)
    expect(Math.abs(ci.low - ref.paired.scipyBootstrapLow)).toBeLessThan(0.002)
    expect(Math.abs(ci.high - ref.paired.scipyBootstrapHigh)).toBeLessThan(0.002)
  })

  it('the file keeps the probabilities numpy reads back (to float32 precision)', async () => {
    const a = await load(files.a)
    let sum = 0
    for (let i = 0; i < a.count; i++) sum += a.topProbs[i * a.k]!
    expect(sum / a.count).toBeCloseTo(ref.paired.meanTop1Prob, 8)
  })

  it('per-group mean, std and t-interval, Welch’s t-test and the seeds needed match scipy.stats', async () => {
    const accuracies = await Promise.all(
      files.groups.map(async (g) =>
        Promise.all(
          g.map(async (f) => {
            const c = correctness(await load(f))
            return c.reduce((s, v) => s + v, 0) / c.length
          }),
        ),
      ),
    )
    expect(accuracies).toEqual(ref.groups.accuracies)
    accuracies.forEach((values, i) => {
      const s = summarize(values)
      const r = ref.groups.summaries[i]!
      expect(s.mean).toBeCloseTo(r.mean, 14)
      expect(s.std!).toBeCloseTo(r.std, 14)
      expect(s.ci95!.low).toBeCloseTo(r.low, 11)
      expect(s.ci95!.high).toBeCloseTo(r.high, 11)
    })
    const w = welchTTest(accuracies[0]!, accuracies[1]!)!
    expect(w.t).toBeCloseTo(ref.groups.welch.t, 10)
    expect(w.df).toBeCloseTo(ref.groups.welch.df, 10)
    expect(Math.abs(w.p - ref.groups.welch.p)).toBeLessThan(1e-10)
    expect(w.ci95.low).toBeCloseTo(ref.groups.welch.low, 10)
    expect(w.ci95.high).toBeCloseTo(ref.groups.welch.high, 10)
    expect(seedsNeeded(accuracies[0]!, accuracies[1]!)).toBe(ref.groups.seedsNeeded)
  })

  it('Student-t CDF and quantiles, normal quantiles and binomial tails match scipy.stats', () => {
    T_CDF.forEach(([t, df], i) => expect(Math.abs(studentTCdf(t, df) - ref.distributions.tCdf[i]!)).toBeLessThan(1e-12))
    T_PPF.forEach(([p, df], i) => expect(studentTQuantile(p, df)).toBeCloseTo(ref.distributions.tPpf[i]!, 9))
    NORM_PPF.forEach((p, i) => expect(normalQuantile(p)).toBeCloseTo(ref.distributions.normPpf[i]!, 8))
    BINOM.forEach(([b, c], i) => {
      const expected = ref.distributions.binom[i]!
      expect(Math.abs(mcnemarExact(b, c) - expected) / Math.max(expected, 1e-300)).toBeLessThan(1e-9)
    })
  })
})

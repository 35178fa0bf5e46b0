/** Statistics of two classifiers on the same test images, from who got each image right. */

/** Seeded 32-bit generator (mulberry32): the same resamples on every machine and in the reference test. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

export interface Discordance {
  /** Images both get right, only A, only B, neither. */
  both: number
  onlyA: number
  onlyB: number
  neither: number
}

export function discordance(correctA: ArrayLike<number>, correctB: ArrayLike<number>): Discordance {
  if (correctA.length !== correctB.length)
    throw new Error(`paired statistics need the same images (${correctA.length} vs ${correctB.length})`)
  const out = { both: 0, onlyA: 0, onlyB: 0, neither: 0 }
  for (let i = 0; i < correctA.length; i++) {
    const a = correctA[i] !== 0
    const b = correctB[i] !== 0
    if (a && b) out.both++
    else if (a) out.onlyA++
    else if (b) out.onlyB++
    else out.neither++
  }
  return out
}

/**
 * Exact McNemar test: under "equally accurate" each discordant image is a fair coin, so the p-value
 * is the two-sided exact binomial test of min(b, c) successes in b + c trials at p = 1/2.
 */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c
  if (n === 0) return 1
  const k = Math.min(b, c)
  // Sum of C(n, i) / 2^n for i ≤ k in log space (n may be thousands): log pmf(i + 1) =
  // log pmf(i) + log((n − i) / (i + 1)), from log pmf(0) = −n log 2, then a stable log-sum-exp.
  const logs = new Float64Array(k + 1)
  logs[0] = -n * Math.LN2
  for (let i = 0; i < k; i++) logs[i + 1] = logs[i]! + Math.log((n - i) / (i + 1))
  const max = logs[k]!
  let sum = 0
  for (let i = 0; i <= k; i++) sum += Math.exp(logs[i]! - max)
  const tail = Math.exp(max) * sum
  return Math.min(1, 2 * tail)
}

/** numpy.percentile's default ("linear") interpolation on a sorted array. */
export function percentileSorted(sorted: ArrayLike<number>, q: number): number {
  const h = (sorted.length - 1) * q
  const lo = Math.floor(h)
  const hi = Math.min(lo + 1, sorted.length - 1)
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!)
}

export interface BootstrapInterval {
  low: number
  high: number
  resamples: number
  seed: number
}

/**
 * Paired bootstrap of accuracy(A) − accuracy(B): each resample draws n images with replacement
 * (index = floor(u32 · n / 2³²) from mulberry32(seed)) and keeps both runs' answers on each;
 * the interval is the 2.5th to 97.5th percentile of the resampled differences.
 */
export function pairedBootstrap(
  correctA: ArrayLike<number>,
  correctB: ArrayLike<number>,
  resamples = 2000,
  seed = 20240601,
): BootstrapInterval {
  const n = correctA.length
  if (n !== correctB.length) throw new Error(`paired bootstrap needs the same images (${n} vs ${correctB.length})`)
  if (n === 0) return { low: Number.NaN, high: Number.NaN, resamples, seed }
  const d = new Int8Array(n)
  for (let i = 0; i < n; i++) d[i] = (correctA[i] !== 0 ? 1 : 0) - (correctB[i] !== 0 ? 1 : 0)
  const diffs = new Float64Array(resamples)
  // mulberry32 inlined (the same sequence as mulberry32(seed)): 2000 × 10,000 draws stay well under
  // a second on the main process.
  let state = seed >>> 0
  for (let r = 0; r < resamples; r++) {
    let sum = 0
    for (let i = 0; i < n; i++) {
      state = (state + 0x6d2b79f5) >>> 0
      let t = Math.imul(state ^ (state >>> 15), state | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      sum += d[Math.floor((((t ^ (t >>> 14)) >>> 0) * n) / 4294967296)]!
    }
    diffs[r] = sum / n
  }
  diffs.sort()
  return { low: percentileSorted(diffs, 0.025), high: percentileSorted(diffs, 0.975), resamples, seed }
}

import { normalQuantile, studentTQuantile, studentTTwoSided } from './distributions'

/** Statistics over groups of runs (one value per seed), e.g. test accuracy of each seed of a config. */

export interface GroupSummary {
  n: number
  mean: number
  /** Sample standard deviation (n − 1); null for a single run. */
  std: number | null
  /** 95% Student-t interval of the mean; null for a single run. */
  ci95: { low: number; high: number } | null
}

export function summarize(values: readonly number[]): GroupSummary {
  const n = values.length
  if (n === 0) throw new Error('a group needs at least one value')
  const mean = values.reduce((s, v) => s + v, 0) / n
  if (n < 2) return { n, mean, std: null, ci95: null }
  const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1))
  const half = studentTQuantile(0.975, n - 1) * (std / Math.sqrt(n))
  return { n, mean, std, ci95: { low: mean - half, high: mean + half } }
}

export interface WelchResult {
  /** mean(a) − mean(b). */
  difference: number
  t: number
  df: number
  p: number
  ci95: { low: number; high: number }
}

/** Welch's unequal-variance t-test of mean(a) − mean(b); null when a group has < 2 values or both have no spread. */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchResult | null {
  if (a.length < 2 || b.length < 2) return null
  const sa = summarize(a)
  const sb = summarize(b)
  const va = sa.std! ** 2 / sa.n
  const vb = sb.std! ** 2 / sb.n
  const se = Math.sqrt(va + vb)
  if (se === 0) return null
  const difference = sa.mean - sb.mean
  const t = difference / se
  const df = (va + vb) ** 2 / (va ** 2 / (sa.n - 1) + vb ** 2 / (sb.n - 1))
  const half = studentTQuantile(0.975, df) * se
  return { difference, t, df, p: studentTTwoSided(t, df), ci95: { low: difference - half, high: difference + half } }
}

/**
 * Seeds per group for a two-sided two-sample t-test to detect the observed difference with the given
 * power, taking the groups' pooled standard deviation as the truth: n = 2 (t₁₋α/₂ + t_power)² s² / d²
 * with df = 2n − 2, iterated from the normal approximation until n stops changing. Null when the
 * difference is zero or neither group varies (nothing to resolve, or no spread to size it by).
 */
export function seedsNeeded(a: readonly number[], b: readonly number[], power = 0.8, alpha = 0.05): number | null {
  if (a.length < 2 || b.length < 2) return null
  const sa = summarize(a)
  const sb = summarize(b)
  const d = Math.abs(sa.mean - sb.mean)
  const variance = (sa.std! ** 2 + sb.std! ** 2) / 2
  if (d === 0 || variance === 0) return null
  const ratio = variance / (d * d)
  let n = Math.max(2, Math.ceil(2 * (normalQuantile(1 - alpha / 2) + normalQuantile(power)) ** 2 * ratio))
  for (let i = 0; i < 100; i++) {
    const df = 2 * n - 2
    const next = Math.max(2, Math.ceil(2 * (studentTQuantile(1 - alpha / 2, df) + studentTQuantile(power, df)) ** 2 * ratio))
    if (next === n) break
    n = next
  }
  return n
}

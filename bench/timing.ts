/** Small timing helpers shared by the benchmarks (medians and percentiles of repeated runs). */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b)
  return s[Math.min(s.length - 1, Math.floor(s.length * p))]!
}

export function timeIt(fn: () => void): number {
  const t = performance.now()
  fn()
  return performance.now() - t
}

export const ms = (n: number): string => `${n.toFixed(n < 10 ? 2 : 1)} ms`

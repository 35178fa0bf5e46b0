import type { BatchPoint } from '@shared/domain/run'

/**
 * Batch points are kept in buckets of `stride` consecutive steps; each bucket keeps at most five
 * points: the lowest and highest loss, the lowest and highest accuracy, and its latest point. So the
 * stored curve keeps every extreme exactly (a spike never disappears) and ends on the newest value.
 * When a run spans more than MAX_BUCKETS buckets the stride doubles and everything is re-bucketed,
 * which bounds a run to MAX_BUCKETS * 5 points whatever its length (amortised O(1) per point).
 */
export const MAX_BUCKETS = 800
export const MAX_POINTS_PER_BUCKET = 5
export const MAX_STORED_POINTS = MAX_BUCKETS * MAX_POINTS_PER_BUCKET

export function bucketOf(step: number, stride: number): number {
  return Math.floor((step - 1) / stride)
}

/** The points of one bucket worth keeping, sorted by step (input: any order, unique steps). */
export function keepExtremes(points: readonly BatchPoint[]): BatchPoint[] {
  if (points.length <= MAX_POINTS_PER_BUCKET) return [...points].sort((a, b) => a.step - b.step)
  let minLoss = points[0]!
  let maxLoss = points[0]!
  let minAcc = points[0]!
  let maxAcc = points[0]!
  let last = points[0]!
  for (const p of points) {
    if (p.loss < minLoss.loss) minLoss = p
    if (p.loss > maxLoss.loss) maxLoss = p
    if (p.accuracy < minAcc.accuracy) minAcc = p
    if (p.accuracy > maxAcc.accuracy) maxAcc = p
    if (p.step > last.step) last = p
  }
  return [...new Set([minLoss, maxLoss, minAcc, maxAcc, last])].sort((a, b) => a.step - b.step)
}

/** Groups points (sorted or not) by bucket and keeps each bucket's extremes; output sorted by step. */
export function downsample(points: readonly BatchPoint[], stride: number): BatchPoint[] {
  const buckets = new Map<number, BatchPoint[]>()
  for (const p of points) {
    const b = bucketOf(p.step, stride)
    const list = buckets.get(b)
    if (list) list.push(p)
    else buckets.set(b, [p])
  }
  const out: BatchPoint[] = []
  for (const b of [...buckets.keys()].sort((x, y) => x - y)) out.push(...keepExtremes(buckets.get(b)!))
  return out
}

/** Smallest power-of-two multiple of `stride` that puts `maxStep` within MAX_BUCKETS buckets. */
export function strideFor(maxStep: number, stride: number): number {
  let s = Math.max(1, stride)
  while (bucketOf(maxStep, s) >= MAX_BUCKETS) s *= 2
  return s
}

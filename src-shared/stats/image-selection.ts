import { z } from 'zod'

/**
 * Which test images changed between two runs, and which images fall in one confusion-matrix cell:
 * pure selection over per-image predictions (the shape of a run's predictions file).
 */

/** A run's per-image predictions, as far as selection needs them. */
export interface PredictionsView {
  count: number
  k: number
  datasetIndices: ArrayLike<number>
  labels: ArrayLike<number>
  /** count × k, row-major; topClasses[i * k] is the predicted class. */
  topClasses: ArrayLike<number>
  topProbs: ArrayLike<number>
}

export const RunGuess = z.object({ predicted: z.number().int().min(0), confidence: z.number().min(0).max(1) })
export type RunGuess = z.infer<typeof RunGuess>

export const FlippedImage = z.object({
  /** Index in the dataset's test split (what `datasets.images` takes). */
  index: z.number().int().min(0),
  trueClass: z.number().int().min(0),
  a: RunGuess,
  b: RunGuess,
})
export type FlippedImage = z.infer<typeof FlippedImage>

export const CellImage = z.object({
  index: z.number().int().min(0),
  trueClass: z.number().int().min(0),
  predicted: z.number().int().min(0),
  confidence: z.number().min(0).max(1),
})
export type CellImage = z.infer<typeof CellImage>

/** The first `limit` of a selection and how many there are in all. */
const page = <T extends z.ZodTypeAny>(item: T) => z.object({ total: z.number().int().min(0), images: z.array(item) })

export const FlipsRequest = z.object({
  a: z.string().min(1),
  b: z.string().min(1),
  /** Only images of this true class; null or absent: every class. */
  trueClass: z.number().int().min(0).nullable().default(null),
  limit: z.number().int().min(1).max(200).default(48),
})
export const Flips = z.object({
  a: z.string(),
  b: z.string(),
  classNames: z.array(z.string()),
  /** Right in A, wrong in B; B's most confident mistakes first. */
  onlyA: page(FlippedImage),
  /** Right in B, wrong in A; A's most confident mistakes first. */
  onlyB: page(FlippedImage),
})
export type Flips = z.infer<typeof Flips>

export const CellImagesRequest = z.object({
  id: z.string().min(1),
  trueClass: z.number().int().min(0),
  predicted: z.number().int().min(0),
  limit: z.number().int().min(1).max(200).default(48),
})
export const CellImages = z.object({
  id: z.string(),
  classNames: z.array(z.string()),
  trueClass: z.number().int().min(0),
  predicted: z.number().int().min(0),
  /** Most confident first. */
  cell: page(CellImage),
})
export type CellImages = z.infer<typeof CellImages>

function guess(p: PredictionsView, i: number): RunGuess {
  return { predicted: p.topClasses[i * p.k]!, confidence: p.topProbs[i * p.k]! }
}

/** Whether two runs predicted the same images (same dataset indices and labels, in order). */
export function samePredictedImages(a: PredictionsView, b: PredictionsView): boolean {
  if (a.count !== b.count) return false
  for (let i = 0; i < a.count; i++) if (a.datasetIndices[i] !== b.datasetIndices[i] || a.labels[i] !== b.labels[i]) return false
  return true
}

/** Descending confidence; ties by dataset index so the order is stable across calls. */
function byConfidence<T extends { index: number }>(conf: (x: T) => number) {
  return (x: T, y: T) => conf(y) - conf(x) || x.index - y.index
}

/**
 * Images one run gets right and the other wrong, both directions, optionally of one true class,
 * each list led by the wrong run's most confident mistakes. The runs must cover the same images.
 */
export function flippedImages(
  a: PredictionsView,
  b: PredictionsView,
  options: { trueClass?: number | null; limit: number },
): { onlyA: { total: number; images: FlippedImage[] }; onlyB: { total: number; images: FlippedImage[] } } {
  if (!samePredictedImages(a, b)) throw new Error('the two runs were not evaluated on the same test images')
  const onlyA: FlippedImage[] = []
  const onlyB: FlippedImage[] = []
  for (let i = 0; i < a.count; i++) {
    const trueClass = a.labels[i]!
    if (options.trueClass != null && trueClass !== options.trueClass) continue
    const ga = guess(a, i)
    const gb = guess(b, i)
    const rightA = ga.predicted === trueClass
    const rightB = gb.predicted === trueClass
    if (rightA === rightB) continue
    const image = { index: a.datasetIndices[i]!, trueClass, a: ga, b: gb }
    ;(rightA ? onlyA : onlyB).push(image)
  }
  onlyA.sort(byConfidence((x) => x.b.confidence))
  onlyB.sort(byConfidence((x) => x.a.confidence))
  return {
    onlyA: { total: onlyA.length, images: onlyA.slice(0, options.limit) },
    onlyB: { total: onlyB.length, images: onlyB.slice(0, options.limit) },
  }
}

/** The images of confusion cell (trueClass, predicted), most confident first. */
export function confusionCellImages(
  p: PredictionsView,
  trueClass: number,
  predicted: number,
  limit: number,
): { total: number; images: CellImage[] } {
  const images: CellImage[] = []
  for (let i = 0; i < p.count; i++) {
    if (p.labels[i] !== trueClass) continue
    const g = guess(p, i)
    if (g.predicted !== predicted) continue
    images.push({ index: p.datasetIndices[i]!, trueClass, predicted, confidence: g.confidence })
  }
  images.sort(byConfidence((x) => x.confidence))
  return { total: images.length, images: images.slice(0, limit) }
}

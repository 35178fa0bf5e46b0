import type { EpochMetric, Evaluation } from '@shared/domain/run'
import { readValues } from '../backend/read'
import * as tf from '../tf'
import { batchRanges } from '../training/batches'
import type { Forward } from '../training/forward'
import { crossentropySum } from '../training/loss'
import type { SplitSource } from '../training/sources'
import { buildEvaluation } from './metrics'
import { topKPredictions, type RunPredictions } from './predictions'

export interface EvaluateOptions {
  forward: Forward
  split: SplitSource
  /** Index of each position of the split in the dataset's test split. */
  datasetIndices: ArrayLike<number>
  classNames: string[]
  batchSize: number
  epochs: EpochMetric[]
  /**
   * Time per image of the full model on raw pixels. Measured here when `forward` is the full model;
   * passed in when the split holds cached features (their timing would say nothing about the model).
   */
  inferenceMsPerImage?: number
  isCancelled?(): boolean
}

/** The evaluation and the per-image top-k predictions it was computed from (for the predictions file). */
export async function evaluateWithPredictions(
  o: EvaluateOptions,
): Promise<{ evaluation: Evaluation; predictions: RunPredictions }> {
  const n = o.split.count
  const numClasses = o.classNames.length
  const probs = new Float32Array(n * numClasses)
  const order = Int32Array.from({ length: n }, (_, i) => i)
  let lossSum = 0
  const t0 = performance.now()
  for (const [start, end] of batchRanges(n, o.batchSize)) {
    if (o.isCancelled?.()) throw new Error('evaluation cancelled')
    const [p, l] = tf.tidy(() => {
      const x = o.split.input(order, start, end)
      const y = tf.tensor1d(o.split.labels.subarray(start, end), 'int32')
      const out = o.forward(x, false)
      return [out, crossentropySum(y, out)]
    })
    try {
      probs.set(await readValues(p), start * numClasses)
      lossSum += (await readValues(l))[0]!
    } finally {
      tf.dispose([p, l])
    }
  }
  const elapsed = performance.now() - t0
  const evaluation = buildEvaluation(
    { probs, labels: o.split.labels, datasetIndices: o.datasetIndices, numClasses },
    {
      testLoss: n > 0 ? lossSum / n : 0,
      classNames: o.classNames,
      inferenceMsPerImage: o.inferenceMsPerImage ?? (n > 0 ? elapsed / n : 0),
      epochs: o.epochs,
    },
  )
  return { evaluation, predictions: topKPredictions(probs, o.split.labels, o.datasetIndices, numClasses) }
}

/** Milliseconds per image of `forward` on up to `limit` images of a split (batched, inference mode). */
export async function timeInference(forward: Forward, split: SplitSource, batchSize: number, limit = 256): Promise<number> {
  const n = Math.min(limit, split.count)
  if (n === 0) return 0
  const order = Int32Array.from({ length: n }, (_, i) => i)
  const t0 = performance.now()
  for (const [start, end] of batchRanges(n, batchSize)) {
    const out = tf.tidy(() => forward(split.input(order, start, end), false))
    try {
      await readValues(out)
    } finally {
      out.dispose()
    }
  }
  return (performance.now() - t0) / n
}

// The two batch computations every trainer shares, in the run's own loop and in the GPU engine page's
// session: one optimizer step, and one inference batch for evaluation. Only tfjs here (the page
// bundles it); the caller says how values are read (with the device's fault raced, or not).
import * as tf from '../tf'
import type { Forward } from './forward'
import { categoricalCrossentropy, correctCount, crossentropySum } from './loss'

export type ReadValues = (t: tf.Tensor) => Promise<tf.TypedArray>

/** One optimizer step on `x` (which it disposes); the mean loss and the number it got right. */
export async function optimizerStep(
  optimizer: tf.Optimizer,
  forward: Forward,
  variables: tf.Variable[],
  x: tf.Tensor,
  labels: Int32Array,
  read: ReadValues,
): Promise<{ loss: number; correct: number }> {
  const y = tf.tensor1d(labels, 'int32')
  let correctT: tf.Scalar | null = null
  const cost = optimizer.minimize(
    () => {
      const probs = forward(x, true)
      correctT = tf.keep(correctCount(y, probs))
      return categoricalCrossentropy(y, probs)
    },
    true,
    variables,
  )!
  const kept = correctT as tf.Scalar | null
  try {
    const loss = (await read(cost))[0]!
    const correct = kept ? (await read(kept))[0]! : 0
    return { loss, correct }
  } finally {
    tf.dispose([x, y, cost, kept].filter((v): v is tf.Tensor => v !== null))
  }
}

/** Inference on `x` (which it disposes): the summed cross-entropy, the number right, and the probabilities if asked. */
export async function evaluationBatch(
  forward: Forward,
  x: tf.Tensor,
  labels: Int32Array,
  read: ReadValues,
  withProbabilities: boolean,
): Promise<{ lossSum: number; correct: number; probabilities: Float32Array | null }> {
  const [probs, l, c] = tf.tidy(() => {
    const y = tf.tensor1d(labels, 'int32')
    const out = forward(x, false)
    return [out, crossentropySum(y, out), correctCount(y, out)]
  })
  try {
    return {
      lossSum: (await read(l))[0]!,
      correct: (await read(c))[0]!,
      probabilities: withProbabilities ? ((await read(probs)) as Float32Array) : null,
    }
  } finally {
    tf.dispose([x, probs, l, c])
  }
}

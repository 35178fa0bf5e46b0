import * as tf from '../tf'

/** Keras' epsilon: probabilities are clipped to [ε, 1-ε] before the log, as Keras does. */
const EPSILON = 1e-7

/** Mean categorical cross-entropy of softmax outputs against integer labels. */
export function categoricalCrossentropy(labels: tf.Tensor1D, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = probs.shape[probs.shape.length - 1]!
    const y = tf.cast(tf.oneHot(labels, numClasses), 'float32')
    const clipped = tf.clipByValue(probs, EPSILON, 1 - EPSILON)
    return tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(clipped)), -1))) as tf.Scalar
  })
}

/** Sum of per-example cross-entropy (for exact means over uneven batches). */
export function crossentropySum(labels: tf.Tensor1D, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const numClasses = probs.shape[probs.shape.length - 1]!
    const y = tf.cast(tf.oneHot(labels, numClasses), 'float32')
    const clipped = tf.clipByValue(probs, EPSILON, 1 - EPSILON)
    return tf.neg(tf.sum(tf.mul(y, tf.log(clipped)))) as tf.Scalar
  })
}

export function correctCount(labels: tf.Tensor1D, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() =>
    tf.sum<tf.Scalar>(tf.cast(tf.equal(tf.cast(tf.argMax(probs, -1), 'int32'), tf.cast(labels, 'int32')), 'float32')),
  )
}

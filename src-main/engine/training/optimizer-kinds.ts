// The optimizers with Keras' defaults as tfjs' own classes, and the learning-rate setter: apart from
// the engine's factory (./optimizer.ts, which swaps in the fused Adam) so that the GPU engine page can
// bundle them without the wasm kernels the fused Adam brings. Off wasm the two are the same.
import type { TrainingConfig } from '@shared/domain/config'
import * as tf from '../tf'

/** Keras' Adam defaults (tfjs' own epsilon default is the backend's). */
export const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const

export function createStockOptimizer(kind: TrainingConfig['optimizer'], learningRate: number): tf.Optimizer {
  switch (kind) {
    case 'adam':
      return tf.train.adam(learningRate, ADAM_DEFAULTS.beta1, ADAM_DEFAULTS.beta2, ADAM_DEFAULTS.epsilon)
    case 'sgd':
      return tf.train.sgd(learningRate)
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, 0, 1e-7)
  }
}

export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  // Not `instanceof tf.SGDOptimizer`: tfjs' optimizers duck-type instanceof, so every optimizer passes it.
  if (optimizer.getClassName() === tf.SGDOptimizer.className) {
    // SGD caches -lr in a kept scalar; its setter swaps it.
    ;(optimizer as tf.SGDOptimizer).setLearningRate(learningRate)
    return
  }
  ;(optimizer as unknown as { learningRate: number }).learningRate = learningRate
}

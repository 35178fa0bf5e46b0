import type { TrainingConfig } from '@shared/domain/config'
import * as tf from '../tf'
import { FusedAdamOptimizer } from './fused-adam'

/** The optimizer of a phase; the learning rate is then changed in place (ReduceLROnPlateau). */
export function createOptimizer(kind: TrainingConfig['optimizer'], learningRate: number): tf.Optimizer {
  switch (kind) {
    case 'adam':
      // Keras' defaults (tfjs' own epsilon default is the backend's, 1e-7 on cpu/wasm too). One fused
      // kernel per variable on wasm, tfjs' AdamOptimizer elsewhere.
      return new FusedAdamOptimizer(learningRate, 0.9, 0.999, 1e-7)
    case 'sgd':
      return tf.train.sgd(learningRate)
    case 'rmsprop':
      return tf.train.rmsprop(learningRate, 0.9, 0, 1e-7)
  }
}

export function setLearningRate(optimizer: tf.Optimizer, learningRate: number): void {
  // By class name: tfjs' Optimizer[Symbol.hasInstance] says every optimizer is an SGDOptimizer.
  if (optimizer.getClassName() === 'SGD') {
    // SGD caches -lr in a kept scalar; its setter swaps it.
    ;(optimizer as tf.SGDOptimizer).setLearningRate(learningRate)
    return
  }
  ;(optimizer as unknown as { learningRate: number }).learningRate = learningRate
}

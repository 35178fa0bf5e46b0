import type { TrainingConfig } from '@shared/domain/config'
import type * as tf from '../tf'
import { FusedAdamOptimizer } from './fused-adam'
import { ADAM_DEFAULTS, createStockOptimizer } from './optimizer-kinds'

/** The optimizer of a phase; the learning rate is then changed in place (ReduceLROnPlateau). */
export function createOptimizer(kind: TrainingConfig['optimizer'], learningRate: number): tf.Optimizer {
  // One fused kernel per variable on wasm (and TensorFlow's own on tfjs-node), tfjs' AdamOptimizer elsewhere.
  if (kind === 'adam')
    return new FusedAdamOptimizer(learningRate, ADAM_DEFAULTS.beta1, ADAM_DEFAULTS.beta2, ADAM_DEFAULTS.epsilon)
  return createStockOptimizer(kind, learningRate)
}

// Adam's running products beta1^t and beta2^t. tfjs' setWeights recomputes them as pow(beta, t+1),
// which rounds differently from the products a run multiplies on with; whoever saves Adam's state and
// wants an exact resume (checkpoints, the GPU engine's jobs) saves and restores them too.
import type * as tf from '../tf'

export function adamPowerVariables(optimizer: tf.Optimizer): { accBeta1: tf.Variable; accBeta2: tf.Variable } | null {
  // Fields of tfjs' AdamOptimizer (and FusedAdamOptimizer, which keeps its layout); absent elsewhere.
  const o = optimizer as unknown as { accBeta1?: tf.Variable; accBeta2?: tf.Variable }
  return o.accBeta1 && o.accBeta2 ? { accBeta1: o.accBeta1, accBeta2: o.accBeta2 } : null
}

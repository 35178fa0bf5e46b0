// Adam whose per-variable update runs as one kernel where the backend has it (wasm: see
// backend/wasm/kernels/adam.ts) and as tfjs' own AdamOptimizer everywhere else. Same state (moments,
// beta powers, iterations), same getWeights/setWeights layout and class name, so checkpoints move
// freely between the two.
import * as tf from '../tf'
import { FUSED_ADAM, type FusedAdamAttrs } from '../backend/wasm/kernels/adam'

/** AdamOptimizer's private state, which the fused path must keep exactly as the stock one does. */
interface AdamState {
  accBeta1: tf.Variable
  accBeta2: tf.Variable
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
}

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getKernel(FUSED_ADAM, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients)
      return
    }
    const state = this as unknown as AdamState
    const list = Array.isArray(variableGradients)
      ? variableGradients.map((g) => ({ name: g.name, gradient: g.tensor }))
      : Object.keys(variableGradients).map((name) => ({ name, gradient: variableGradients[name] }))
    // Float32 like the stock optimizer's sub(1, accBeta) on its float32 variables.
    const correction1 = Math.fround(1 - state.accBeta1.dataSync()[0]!)
    const correction2 = Math.fround(1 - state.accBeta2.dataSync()[0]!)
    const attrs: FusedAdamAttrs = {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      correction1,
      correction2,
    }
    tf.tidy(() => {
      list.forEach(({ name, gradient }, i) => {
        const value = tf.engine().registeredVariables[name]
        if (value === undefined) throw new Error(`Adam: no variable named ${name}`)
        state.accumulatedFirstMoment[i] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        }
        state.accumulatedSecondMoment[i] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        }
        if (gradient == null) return
        const m = state.accumulatedFirstMoment[i].variable
        const v = state.accumulatedSecondMoment[i].variable
        const [newValue, newM, newV] = tf
          .engine()
          .runKernel(FUSED_ADAM, { value, m, v, gradient }, attrs as unknown as tf.NamedAttrMap) as unknown as [
          tf.Tensor,
          tf.Tensor,
          tf.Tensor,
        ]
        m.assign(newM)
        v.assign(newV)
        value.assign(newValue)
      })
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1))
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2))
    })
    this.incrementIterations()
  }
}

// Adam whose per-variable update runs as one kernel where the backend has it (wasm: see
// backend/wasm/kernels/adam.ts; tensorflow: TensorFlow's ResourceApplyAdam, backend/native-adam.ts)
// and as tfjs' own AdamOptimizer everywhere else. Same state (moments, beta powers, iterations), same
// getWeights/setWeights layout and class name, so checkpoints move freely between them.
import * as tf from '../tf'
import { NativeAdamResources } from '../backend/native-adam'
import { activeNodeBackend } from '../backend/native-ops'
import { FUSED_ADAM, type FusedAdamAttrs } from '../backend/wasm/kernels/adam'

/** AdamOptimizer's private state, which the fused path must keep exactly as the stock one does. */
interface AdamState {
  accBeta1: tf.Variable
  accBeta2: tf.Variable
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[]
}

type VariableGradients = Parameters<tf.AdamOptimizer['applyGradients']>[0]

export class FusedAdamOptimizer extends tf.AdamOptimizer {
  private native: NativeAdamResources | null = null

  override applyGradients(variableGradients: VariableGradients): void {
    const node = activeNodeBackend()
    if (node !== null) {
      this.native ??= new NativeAdamResources(node)
      this.applyNative(this.native, gradientList(variableGradients))
      return
    }
    if (tf.getKernel(FUSED_ADAM, tf.getBackend()) === undefined) {
      super.applyGradients(variableGradients)
      return
    }
    const state = this as unknown as AdamState
    const list = gradientList(variableGradients)
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
        const { value, m, v } = this.slots(state, name, i)
        if (gradient == null) return
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

  override async getWeights(): ReturnType<tf.AdamOptimizer['getWeights']> {
    this.native?.syncSlots()
    return super.getWeights()
  }

  override dispose(): void {
    this.native?.dispose()
    this.native = null
    super.dispose()
  }

  private applyNative(native: NativeAdamResources, list: { name: string; gradient: tf.Tensor | undefined }[]): void {
    const state = this as unknown as AdamState
    const slots = list.flatMap(({ name, gradient }, i) => {
      const { value, m, v } = this.slots(state, name, i)
      return gradient == null ? [] : [{ name, value, m, v, gradient }]
    })
    native.step(slots, {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      beta1Power: state.accBeta1.dataSync()[0]!,
      beta2Power: state.accBeta2.dataSync()[0]!,
    })
    tf.tidy(() => {
      state.accBeta1.assign(tf.mul(state.accBeta1, this.beta1))
      state.accBeta2.assign(tf.mul(state.accBeta2, this.beta2))
    })
    this.incrementIterations()
  }

  /** The variable and its moment slots, created (zeros) on first use exactly as AdamOptimizer does. */
  private slots(state: AdamState, name: string, i: number): { value: tf.Variable; m: tf.Variable; v: tf.Variable } {
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
    return { value, m: state.accumulatedFirstMoment[i].variable, v: state.accumulatedSecondMoment[i].variable }
  }
}

function gradientList(variableGradients: VariableGradients): { name: string; gradient: tf.Tensor | undefined }[] {
  return Array.isArray(variableGradients)
    ? variableGradients.map((g) => ({ name: g.name, gradient: g.tensor }))
    : Object.keys(variableGradients).map((name) => ({ name, gradient: variableGradients[name] }))
}

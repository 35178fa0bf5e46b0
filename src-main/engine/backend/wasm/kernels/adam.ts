// One Adam step for one variable as a single kernel (native/kernels.c): tfjs' AdamOptimizer runs
// nine element-wise kernels per variable, each reading and writing a whole tensor; this reads
// value, m, v and the gradient once and writes the three new tensors, with the same float32
// operations in the same order. Used by FusedAdamOptimizer (engine/training/fused-adam.ts).
import * as tf from '../../../tf'
import { NativeBackend } from '../native/module'
import { input } from './compose'

export const FUSED_ADAM = 'WorkbenchFusedAdam'

export interface FusedAdamAttrs {
  learningRate: number
  beta1: number
  beta2: number
  epsilon: number
  /** 1 - beta1^t and 1 - beta2^t, the bias corrections of this step (float32, as tfjs computes them). */
  correction1: number
  correction2: number
}

function fusedAdam(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }): tf.TensorInfo[] {
  const a = args.attrs as unknown as FusedAdamAttrs
  const value = input(args.inputs, 'value', FUSED_ADAM)
  const m = input(args.inputs, 'm', FUSED_ADAM)
  const v = input(args.inputs, 'v', FUSED_ADAM)
  const g = input(args.inputs, 'gradient', FUSED_ADAM)
  const size = tf.util.sizeFromShape(value.shape)
  for (const t of [m, v, g]) {
    if (tf.util.sizeFromShape(t.shape) !== size)
      throw new Error(`${FUSED_ADAM}: shapes differ (${value.shape.join(',')} vs ${t.shape.join(',')})`)
  }
  for (const t of [value, m, v, g]) {
    if (t.dtype !== 'float32') throw new Error(`${FUSED_ADAM} supports float32 variables, got ${t.dtype}`)
  }
  const native = new NativeBackend(args.backend, FUSED_ADAM)
  const outs = [native.output(value.shape), native.output(value.shape), native.output(value.shape)] as const
  const f = Math.fround
  native.kernels.adam(
    native.pointer(value),
    native.pointer(m),
    native.pointer(v),
    native.pointer(g),
    native.pointer(outs[0]),
    native.pointer(outs[1]),
    native.pointer(outs[2]),
    size,
    -a.learningRate,
    a.beta1,
    f(1 - a.beta1),
    a.beta2,
    f(1 - a.beta2),
    a.epsilon,
    a.correction1,
    a.correction2,
  )
  return [...outs]
}

export const fusedAdamConfig: tf.KernelConfig = {
  kernelName: FUSED_ADAM,
  backendName: 'wasm',
  kernelFunc: fusedAdam as unknown as tf.KernelFunc,
}

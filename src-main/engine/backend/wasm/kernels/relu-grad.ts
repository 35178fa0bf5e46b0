// The gradients of ReLU and ReLU6 as one kernel on wasm (native/kernels.c). tfjs computes them as
// dy * cast(step(x)) and dy * cast(lessEqual(x, 6) * step(x)): three to five element-wise kernels,
// each a pass over the activation. The gradients registered here run the fused kernel where the
// active backend has it and tfjs' own composition everywhere else; the values are the same
// (the mask is 1, 0 or NaN and multiplies dy in both).
import * as tf from '../../../tf'
import { NativeBackend } from '../native/module'
import { input } from './compose'

export const RELU_GRAD = 'WorkbenchReluGrad'

interface ReluGradAttrs {
  /** 0 for ReLU, 6 for ReLU6. */
  cap: number
}

function reluGrad(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }): tf.TensorInfo {
  const { cap } = args.attrs as unknown as ReluGradAttrs
  const dy = input(args.inputs, 'dy', RELU_GRAD)
  const x = input(args.inputs, 'x', RELU_GRAD)
  const size = tf.util.sizeFromShape(x.shape)
  if (tf.util.sizeFromShape(dy.shape) !== size || dy.dtype !== 'float32' || x.dtype !== 'float32') {
    throw new Error(`${RELU_GRAD}: dy ${dy.dtype}[${dy.shape.join(',')}] does not match x ${x.dtype}[${x.shape.join(',')}]`)
  }
  const native = new NativeBackend(args.backend, RELU_GRAD)
  const out = native.output(x.shape.slice())
  native.kernels.relu_grad(native.pointer(dy), native.pointer(x), native.pointer(out), size, cap)
  return out
}

export const reluGradConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'wasm',
  kernelFunc: reluGrad as unknown as tf.KernelFunc,
}

function gradient(kernelName: string, cap: number, stock: (dy: tf.Tensor, x: tf.Tensor) => tf.Tensor): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved) => {
      const [x] = saved as [tf.Tensor]
      const grad = dy as tf.Tensor
      return {
        x: () =>
          x.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend()) !== undefined
            ? tf.engine().runKernel<tf.Tensor>(RELU_GRAD, { dy: grad, x }, { cap })
            : stock(grad, x),
      }
    },
  }
}

/** tfjs' own formulas (tfjs-core's Relu_grad and Relu6_grad), kept for the other backends. */
export const reluGradients: readonly tf.GradConfig[] = [
  gradient(tf.Relu, 0, (dy, x) => tf.mul(dy, tf.cast(tf.step(x), 'float32'))),
  gradient(tf.Relu6, 6, (dy, x) => tf.mul(dy, tf.cast(tf.mul(tf.lessEqual(x, 6), tf.step(x)), 'float32'))),
]

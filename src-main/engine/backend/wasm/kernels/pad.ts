// PadV2 of float32 tensors on the native kernel: every output row is written once, either filled
// with the constant or as its borders around x's row. tfjs-backend-wasm's own PadV2 walks every
// element; ZeroPadding2D layers and the composed gradient kernels pad on every step. Other dtypes,
// and pads that leave more than four axes after merging, use the stock kernel.
import * as tf from '../../../tf'
import { NativeBackend, planPad } from '../native/module'
import { input, stockKernel } from './compose'

const NAME = tf.PadV2

let stock: tf.KernelConfig | null = null

function pad(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }): tf.TensorInfo {
  if (stock === null) throw new Error('PadV2 on wasm: the stock kernel was not captured')
  const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs
  const x = input(args.inputs, 'x', NAME)
  const plan = x.dtype === 'float32' ? planPad(x.shape, paddings) : null
  if (plan === null) return stock.kernelFunc(args) as tf.TensorInfo
  const native = new NativeBackend(args.backend, NAME)
  const outShape = x.shape.map((n, axis) => n + paddings[axis]![0] + paddings[axis]![1])
  const y = native.output(outShape)
  native.kernels.pad(native.pointer(x), native.pointer(y), ...plan.n, ...plan.pads, constantValue)
  return y
}

/** Captures tfjs' own PadV2 for wasm (the fallback); call before registering the replacement. */
export function padConfig(): tf.KernelConfig {
  if (stock === null) stock = stockKernel(NAME)
  const config: tf.KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: pad as unknown as tf.KernelFunc }
  if (stock.setupFunc) config.setupFunc = stock.setupFunc
  return config
}

// PadV2 of float32 tensors on the native kernel: every output row is written once, either filled
// with the constant or as its borders around x's row. tfjs-backend-wasm's own PadV2 walks every
// element; ZeroPadding2D layers and the composed gradient kernels pad on every step. Other dtypes,
// and pads that leave more than four axes after merging, use the stock kernel.
import * as tf from '../../../tf'
import { NativeBackend, planPad } from '../native/module'
import { input, replacingStock } from './compose'

/** Captures tfjs' own PadV2 for wasm (the fallback); call before registering the replacement. */
export const padConfig = replacingStock(tf.PadV2, (args, stock) => {
  const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs
  const x = input(args.inputs, 'x', tf.PadV2)
  const plan = x.dtype === 'float32' ? planPad(x.shape, paddings) : null
  if (plan === null) return stock.kernelFunc(args) as tf.TensorInfo
  const native = new NativeBackend(args.backend, tf.PadV2)
  const y = native.output(x.shape.map((n, axis) => n + paddings[axis]![0] + paddings[axis]![1]))
  native.kernels.pad(native.pointer(x), native.pointer(y), ...plan.n, ...plan.pads, constantValue)
  return y
})

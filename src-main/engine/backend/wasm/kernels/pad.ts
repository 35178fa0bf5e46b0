// PadV2 of float32 tensors with few channels on the native kernel: every output row is written once,
// either filled with the constant or as its borders around x's row (axes merged). tfjs-backend-wasm's
// own PadV2 copies one innermost run at a time: 6.6 ms for MobileNetV2's [32,96,96,3] stem against
// 0.3 here, but with 64 channels both take the same time and with 96 the stock kernel is 20% faster,
// so only innermost axes below 16 elements come here. Other dtypes, and pads that leave more than four
// axes after merging, use the stock kernel.
import * as tf from '../../../tf'
import { NativeBackend } from '../native/module'
import { planPad } from '../native/plans'
import { input, replacingStock } from './compose'

/** Innermost axes shorter than this are padded natively (see above). */
const SHORT_ROW = 16

/** Captures tfjs' own PadV2 for wasm (the fallback); call before registering the replacement. */
export const padConfig = replacingStock(tf.PadV2, (args, stock) => {
  const { paddings, constantValue } = args.attrs as unknown as tf.PadV2Attrs
  const x = input(args.inputs, 'x', tf.PadV2)
  const channels = x.shape[x.shape.length - 1] ?? 1
  const plan = x.dtype === 'float32' && channels < SHORT_ROW ? planPad(x.shape, paddings) : null
  if (plan === null) return stock.kernelFunc(args) as tf.TensorInfo
  const native = new NativeBackend(args.backend, tf.PadV2)
  const y = native.output(x.shape.map((n, axis) => n + paddings[axis]![0] + paddings[axis]![1]))
  native.kernels.pad(native.pointer(x), native.pointer(y), ...plan.n, ...plan.pads, constantValue)
  return y
})

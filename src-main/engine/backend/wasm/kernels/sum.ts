// Sum over leading axes (bias gradients: [N,H,W,C] -> [C]) in one SIMD pass over the wasm heap
// (native/kernels.c), float32 lanes per block of rows and float64 across blocks, close to tfjs' cpu
// reference, which sums in JavaScript numbers.
// tfjs-backend-wasm reduces only the innermost axis, so it transposes first; a ones-row matrix
// product did the same sum on the matmul path but repacked x as XNNPACK weights on every call.
// Other sums use the stock kernel.
import * as tf from '../../../tf'
import { input, replacingStock } from './compose'
import { NativeBackend } from '../native/module'

const NAME = tf.Sum

/** Captures tfjs' own Sum for wasm (the fallback); call before registering the replacement. */
export const sumConfig = replacingStock(NAME, (args, stock) => {
  const attrs = args.attrs as unknown as tf.SumAttrs
  const xInfo = input(args.inputs, 'x', NAME)
  const rank = xInfo.shape.length
  const axes = tf.util.parseAxisParam(attrs.axis, xInfo.shape).sort((a, b) => a - b)
  const leading = axes.length > 0 && axes.length < rank && axes.every((axis, i) => axis === i)
  if (xInfo.dtype !== 'float32' || !leading) return stock.kernelFunc(args) as tf.TensorInfo
  const rows = xInfo.shape.slice(0, axes.length).reduce((a, b) => a * b, 1)
  const kept = xInfo.shape.slice(axes.length)
  const cols = kept.reduce((a, b) => a * b, 1)
  const outShape = attrs.keepDims ? [...axes.map(() => 1), ...kept] : kept
  const native = new NativeBackend(args.backend, NAME)
  const out = native.output(outShape)
  // Scratch: cols float32 partial sums, then cols float64 accumulators (8-byte aligned).
  const partialBytes = Math.ceil(cols / 4) * 16
  native.withScratch(partialBytes + cols * 8, (scratch) => {
    native.kernels.sum_rows(native.pointer(xInfo), native.pointer(out), rows, cols, scratch, scratch + partialBytes)
  })
  return out
})

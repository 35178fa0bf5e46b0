// Transpose and Reverse of 4-byte tensors (float32, int32) as one strided copy on the native kernel
// (native/kernels.c): 4x4 SIMD blocks in cache-sized tiles, reversed axes read backwards.
// tfjs-backend-wasm's own kernels walk the output element by element: its Transpose took 17 ms for
// the [64,32,32,32] -> [32,32,32,64] transpose a Seed CNN weight gradient needs, its Reverse 29 ms to
// flip a [1280,1,1,320] MobileNetV2 weight gradient (whose flipped axes have size 1). Tensors left
// with more than four axes after merging use the stock kernels.
import * as tf from '../../../tf'
import { NativeBackend } from '../native/module'
import { planReverse, planTranspose, type TransposeLoops } from '../native/plans'
import { input, replacingStock } from './compose'

function stridedCopy(
  name: string,
  plan: (shape: number[], attrs: tf.NamedAttrMap) => { loops: TransposeLoops | null; outShape: number[] },
) {
  return replacingStock(name, (args, stock) => {
    const x = input(args.inputs, 'x', name)
    const dtype = x.dtype
    if (dtype !== 'float32' && dtype !== 'int32') return stock.kernelFunc(args) as tf.TensorInfo
    const { loops, outShape } = plan(x.shape, args.attrs ?? {})
    if (loops === null) return stock.kernelFunc(args) as tf.TensorInfo
    const native = new NativeBackend(args.backend, name)
    const y = native.output(outShape, dtype)
    const { n, xs, ys, start } = loops
    native.kernels.transpose(native.pointer(x) + start * 4, native.pointer(y), ...n, ...xs, ys[0], ys[1], ys[2])
    return y
  })
}

/** Captures tfjs' own Transpose for wasm (the fallback); call before registering the replacement. */
export const transposeConfig = stridedCopy(tf.Transpose, (shape, attrs) => {
  const { perm } = attrs as unknown as tf.TransposeAttrs
  return { loops: planTranspose(shape, perm), outShape: perm.map((axis) => shape[axis]!) }
})

/** Captures tfjs' own Reverse for wasm (the fallback); call before registering the replacement. */
export const reverseConfig = stridedCopy(tf.Reverse, (shape, attrs) => {
  const { dims } = attrs as unknown as tf.ReverseAttrs
  return { loops: planReverse(shape, tf.util.parseAxisParam(dims, shape)), outShape: shape.slice() }
})

// Transpose of 4-byte tensors (float32, int32) on the native kernel (native/kernels.c): 4x4 SIMD
// blocks in cache-sized tiles. tfjs-backend-wasm's own Transpose walks the output element by element
// with the input's strides: 17 ms for the [64,32,32,32] -> [32,32,32,64] transpose a Seed CNN
// weight gradient needs. Tensors that keep more than four axes after merging use the stock kernel.
import * as tf from '../../../tf'
import { NativeBackend, planTranspose } from '../native/module'
import { input, stockKernel } from './compose'

const NAME = tf.Transpose

let stock: tf.KernelConfig | null = null

function transpose(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }): tf.TensorInfo {
  if (stock === null) throw new Error('Transpose on wasm: the stock kernel was not captured')
  const { perm } = args.attrs as unknown as tf.TransposeAttrs
  const x = input(args.inputs, 'x', NAME)
  const dtype = x.dtype
  const plan = dtype === 'float32' || dtype === 'int32' ? planTranspose(x.shape, perm) : null
  if (plan === null || (dtype !== 'float32' && dtype !== 'int32')) return stock.kernelFunc(args) as tf.TensorInfo
  const native = new NativeBackend(args.backend, NAME)
  const y = native.output(perm.map((axis) => x.shape[axis]!), dtype)
  const { n, xs, ys } = plan
  native.kernels.transpose(native.pointer(x), native.pointer(y), ...n, ...xs, ys[0], ys[1], ys[2])
  return y
}

/** Captures tfjs' own Transpose for wasm (the fallback); call before registering the replacement. */
export function transposeConfig(): tf.KernelConfig {
  if (stock === null) stock = stockKernel(NAME)
  const config: tf.KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: transpose as unknown as tf.KernelFunc }
  if (stock.setupFunc) config.setupFunc = stock.setupFunc
  return config
}

// Reverse of 4-byte tensors (float32, int32) as one strided copy on the native kernel: the reversed
// axes are read backwards. tfjs-backend-wasm's own Reverse takes 29 ms to flip the [1280,1,1,320]
// weight gradient of a MobileNetV2 1x1 convolution (whose flipped axes have size 1); the gradient
// kernels flip filters on every training step. Tensors left with more than four axes after merging
// use the stock kernel.
import * as tf from '../../../tf'
import { NativeBackend, planReverse } from '../native/module'
import { input, stockKernel } from './compose'

const NAME = tf.Reverse

let stock: tf.KernelConfig | null = null

function reverse(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }): tf.TensorInfo {
  if (stock === null) throw new Error('Reverse on wasm: the stock kernel was not captured')
  const { dims } = args.attrs as unknown as tf.ReverseAttrs
  const x = input(args.inputs, 'x', NAME)
  const dtype = x.dtype
  if (dtype !== 'float32' && dtype !== 'int32') return stock.kernelFunc(args) as tf.TensorInfo
  const plan = planReverse(x.shape, tf.util.parseAxisParam(dims, x.shape))
  if (plan === null) return stock.kernelFunc(args) as tf.TensorInfo
  const native = new NativeBackend(args.backend, NAME)
  const y = native.output(x.shape.slice(), dtype)
  const { n, xs, ys, start } = plan
  native.kernels.transpose(native.pointer(x) + start * 4, native.pointer(y), ...n, ...xs, ys[0], ys[1], ys[2])
  return y
}

/** Captures tfjs' own Reverse for wasm (the fallback); call before registering the replacement. */
export function reverseConfig(): tf.KernelConfig {
  if (stock === null) stock = stockKernel(NAME)
  const config: tf.KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: reverse as unknown as tf.KernelFunc }
  if (stock.setupFunc) config.setupFunc = stock.setupFunc
  return config
}

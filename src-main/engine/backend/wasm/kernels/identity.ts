// Identity without a copy. tfjs-backend-wasm copies the whole tensor; the cpu backend and wasm's own
// Reshape share the buffer and count a reference instead. Training calls Identity for every layer
// output the tape keeps (183 times in a MobileNetV2 fine-tuning step), so the copies add up.
import * as tf from '../../../tf'
import { input, stockKernel } from './compose'

const NAME = tf.Identity

let stock: tf.KernelConfig | null = null

function identity(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend }): tf.TensorInfo {
  if (stock === null) throw new Error('Identity on wasm: the stock kernel was not captured')
  const x = input(args.inputs, 'x', NAME)
  if (x.dtype === 'string') return stock.kernelFunc(args) as tf.TensorInfo
  args.backend.incRef(x.dataId)
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
}

/** Captures tfjs' own Identity for wasm (used for strings); call before registering the replacement. */
export function identityConfig(): tf.KernelConfig {
  if (stock === null) stock = stockKernel(NAME)
  return { kernelName: NAME, backendName: 'wasm', kernelFunc: identity as unknown as tf.KernelFunc }
}

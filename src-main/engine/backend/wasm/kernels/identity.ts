// Identity without a copy. tfjs-backend-wasm copies the whole tensor; the cpu backend and wasm's own
// Reshape share the buffer and count a reference instead. Training calls Identity for every layer
// output the tape keeps (183 times in a MobileNetV2 fine-tuning step), so the copies add up.
import * as tf from '../../../tf'
import { input, replacingStock } from './compose'

/** Captures tfjs' own Identity for wasm (used for strings); call before registering the replacement. */
export const identityConfig = replacingStock(tf.Identity, (args, stock) => {
  const x = input(args.inputs, 'x', tf.Identity)
  if (x.dtype === 'string') return stock.kernelFunc(args) as tf.TensorInfo
  args.backend.incRef(x.dataId)
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype }
})

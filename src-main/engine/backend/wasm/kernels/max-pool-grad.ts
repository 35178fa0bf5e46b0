// MaxPoolGrad as one SIMD pass over the wasm heap (native/kernels.c): per window, the first maximum
// in row-major window order wins, padding excluded, as in tfjs' cpu reference (ties are common after
// ReLU). tfjs-backend-wasm's own kernel is a scalar loop that breaks ties differently; composing it
// from ArgMax/OneHot/Transpose kernels moved five tensors' worth of data (36 ms on [64,32,32,32]).
import * as tf from '../../../tf'
import { NativeBackend } from '../native/module'
import { input } from './compose'

const NAME = tf.MaxPoolGrad

function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs
  const x = input(args.inputs, 'input', NAME)
  const dy = input(args.inputs, 'dy', NAME)
  if (x.dtype !== 'float32' || dy.dtype !== 'float32') throw new Error(`${NAME} on wasm supports float32, got ${x.dtype}`)
  const info = tf.backend_util.computePool2DInfo(
    x.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  )
  const native = new NativeBackend(args.backend, NAME)
  const dx = native.output(x.shape)
  native.kernels.max_pool_grad(
    native.pointer(x),
    native.pointer(dy),
    native.pointer(dx),
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  )
  return dx
}

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
}

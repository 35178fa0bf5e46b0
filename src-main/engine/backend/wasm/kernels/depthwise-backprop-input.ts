// DepthwiseConv2dNativeBackpropInput (the input gradient of a depthwise convolution), missing from
// tfjs-backend-wasm. Channel multiplier 1 (MobileNet): dy scattered through the filter taps in one
// SIMD pass on the native kernel (native/kernels.c). Otherwise: the transpose of a depthwise
// convolution is a depthwise convolution of dy, spread out by the stride (zeros in between), padded
// by (k-1)*d - pad, with the filter flipped in both spatial axes, on wasm's (XNNPACK)
// DepthwiseConv2dNative kernel.
import * as tf from '../../../tf'
import { NativeBackend } from '../native/module'
import { depthwiseDims } from '../native/plans'
import { asTensor, input, padOrCrop, pair, spread } from './compose'

const NAME = tf.DepthwiseConv2dNativeBackpropInput

export function depthwiseConv2dNativeBackpropInput(args: {
  inputs: tf.NamedTensorInfoMap
  attrs?: tf.NamedAttrMap
  backend: tf.KernelBackend
}): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropInputAttrs
  const dyInfo = input(args.inputs, 'dy', NAME)
  const filterInfo = input(args.inputs, 'filter', NAME)
  const inputShape = attrs.inputShape
  const filterShape = filterInfo.shape as [number, number, number, number]
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filterShape,
    attrs.strides,
    attrs.dilations,
    attrs.pad,
    attrs.dimRoundingMode,
    true,
  )
  const [kh, kw, c, m] = filterShape
  const [sh, sw] = pair(attrs.strides)
  const [dh, dw] = pair(attrs.dilations)
  const [n, h, w] = inputShape
  if (m === 1) {
    // dy scattered through the filter taps in one pass on the native kernel (native/kernels.c).
    if (dyInfo.dtype !== 'float32' || filterInfo.dtype !== 'float32')
      throw new Error(`${NAME} on wasm supports float32, got ${dyInfo.dtype}`)
    const native = new NativeBackend(args.backend, NAME)
    const dx = native.output([n, h, w, c])
    native.kernels.depthwise_input_grad(
      native.pointer(dyInfo),
      native.pointer(filterInfo),
      native.pointer(dx),
      ...depthwiseDims(info),
    )
    return dx
  }
  return tf.tidy(() => {
    const dy = asTensor<tf.Rank.R4>(dyInfo)
    const filter = asTensor<tf.Rank.R4>(filterInfo)
    const [, ho, wo] = dy.shape
    const top = (kh - 1) * dh - info.padInfo.top
    const left = (kw - 1) * dw - info.padInfo.left
    const spreadDy = spread(dy, sh, sw)
    // The valid convolution of a (rows + top + bottom)-row input gives rows - (kh-1)*dh + top + bottom.
    const bottom = h - ho * sh + info.padInfo.top
    const right = w - wo * sw + info.padInfo.left
    const flipped = tf.reverse(filter, [0, 1])
    const conv = (g: tf.Tensor4D, f: tf.Tensor4D): tf.Tensor4D =>
      tf.depthwiseConv2d(padOrCrop(g, { top, bottom, left, right }), f, 1, 'valid', 'NHWC', [dh, dw])
    // Channel multiplier m: dy channel c*m+q came from input channel c through filter[..., c, q].
    const [, rows, cols] = spreadDy.shape
    const grouped = tf.reshape(spreadDy, [n, rows, cols, c, m])
    let sum: tf.Tensor4D | null = null
    for (let q = 0; q < m; q++) {
      const g = tf.reshape<tf.Rank.R4>(tf.slice(grouped, [0, 0, 0, 0, q], [-1, -1, -1, -1, 1]), [n, rows, cols, c])
      const part = conv(g, tf.slice(flipped, [0, 0, 0, q], [kh, kw, c, 1]))
      sum = sum === null ? part : tf.add<tf.Tensor4D>(sum, part)
    }
    return sum as tf.Tensor4D
  })
}

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc,
}

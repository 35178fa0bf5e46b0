// Conv2DBackpropFilter (the weight gradient of a 2-D convolution), missing from tfjs-backend-wasm.
//   dW[a,b,ci,co] = sum over n,i,j of xpad[n, i*sh + a, j*sw + b, ci] * dy[n, i, j, co]
// This is itself a convolution once batch and channels swap roles: the input is x as
// [Ci, H, W, N] (channels as the batch, the batch as channels), the "filter" is dy as
// [Ho, Wo, N, Co], the forward stride becomes the dilation and the result is [Ci, kh', kw', Co].
// That runs on XNNPACK's convolution (the wasm Conv2D kernel) instead of a scalar loop.
import * as tf from '../../../tf'
import { asTensor, input, pair, requireNhwc } from './compose'

const NAME = tf.Conv2DBackpropFilter

export function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap
  attrs?: tf.NamedAttrMap
}): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs
  requireNhwc(attrs.dataFormat, NAME)
  const xInfo = input(args.inputs, 'x', NAME)
  const dyInfo = input(args.inputs, 'dy', NAME)
  const filterShape = attrs.filterShape
  const info = tf.backend_util.computeConv2DInfo(
    xInfo.shape as [number, number, number, number],
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  )
  const [kh, kw, ci, co] = filterShape
  const [sh, sw] = pair(attrs.strides)
  const [, h, w] = xInfo.shape as [number, number, number, number]
  const { top, left } = info.padInfo
  return tf.tidy(() => {
    const x = asTensor<tf.Rank.R4>(xInfo)
    const dy = asTensor<tf.Rank.R4>(dyInfo)
    const [, ho, wo] = dy.shape
    // Rows the swapped convolution must see: enough for kh outputs at dilation sh.
    const bottom = Math.max(info.padInfo.bottom, kh - 1 + (ho - 1) * sh + 1 - h - top)
    const right = Math.max(info.padInfo.right, kw - 1 + (wo - 1) * sw + 1 - w - left)
    const xT = tf.transpose(x, [3, 1, 2, 0])
    const dyT = tf.transpose(dy, [1, 2, 0, 3])
    const swapped = tf.conv2d(xT, dyT, 1, [[0, 0], [top, bottom], [left, right], [0, 0]], 'NHWC', [sh, sw])
    const cropped = swapped.shape[1] === kh && swapped.shape[2] === kw
      ? swapped
      : tf.slice(swapped, [0, 0, 0, 0], [ci, kh, kw, co])
    return tf.transpose(cropped, [1, 2, 0, 3])
  })
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
}

// Conv2DBackpropInput (the input gradient of a 2-D convolution). tfjs-backend-wasm's own kernel is a
// scalar loop; the transpose of a convolution is a convolution of dy (spread out by the stride) with
// the filter flipped in space and its channel axes swapped, padded by k-1-pad, which runs on XNNPACK.
import * as tf from '../../../tf'
import { asTensor, input, padOrCrop, pair, requireNhwc, spread } from './compose'

const NAME = tf.Conv2DBackpropInput

export function conv2dBackpropInput(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap }): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs
  requireNhwc(attrs.dataFormat, NAME)
  const dyInfo = input(args.inputs, 'dy', NAME)
  const filterInfo = input(args.inputs, 'filter', NAME)
  const inputShape = attrs.inputShape
  const filterShape = filterInfo.shape as [number, number, number, number]
  const info = tf.backend_util.computeConv2DInfo(inputShape, filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode)
  const [kh, kw] = filterShape
  const [sh, sw] = pair(attrs.strides)
  const [, h, w] = inputShape
  return tf.tidy(() => {
    const dy = asTensor<tf.Rank.R4>(dyInfo)
    const filter = asTensor<tf.Rank.R4>(filterInfo)
    const [, ho, wo] = dy.shape
    const pads = {
      top: kh - 1 - info.padInfo.top,
      left: kw - 1 - info.padInfo.left,
      bottom: h - ho * sh + info.padInfo.top,
      right: w - wo * sw + info.padInfo.left,
    }
    const flipped = kh === 1 && kw === 1 ? filter : tf.reverse(filter, [0, 1])
    const swapped = tf.transpose(flipped, [0, 1, 3, 2])
    return tf.conv2d(padOrCrop(spread(dy, sh, sw), pads), swapped, 1, 'valid')
  })
}

export const conv2dBackpropInputConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropInput,
}

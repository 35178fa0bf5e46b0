// Conv2DBackpropFilter (the weight gradient of a 2-D convolution), missing from tfjs-backend-wasm.
//   dW[a,b,ci,co] = sum over n,i,j of xpad[n, i*sh + a, j*sw + b, ci] * dy[n, i, j, co]
// This is itself a convolution once batch and channels swap roles, so it runs on XNNPACK's
// convolution (the wasm Conv2D kernel). Two ways to set it up, and the cost that tells them apart
// is not the arithmetic (the same) but XNNPACK repacking its filter operand on every call (~8 ns an
// element, and both operands are new every step):
// - dy as the filter: input x as [Ci, H, W, N] (channels as the batch, the batch as channels),
//   filter dy as [Ho, Wo, N, Co], the forward stride as the dilation -> [Ci, kh, kw, Co].
// - x as the filter (stride 1 only): input dy as [Co, Ho, Wo, N], padded so every tap offset is
//   an output position, filter x as [H, W, N, Ci] -> [Co, kh, kw, Ci], flipped in space.
// Whichever packs the smaller tensor runs. Layers with at most 4 input channels (an RGB image's
// first layer) use neither: with x as the filter XNNPACK's GEMM gets Ci output columns in tiles of
// 8, so a direct SIMD kernel (native/kernels.c) is faster (Seed CNN layer 1: 17 -> 10 ms).
import * as tf from '../../../tf'
import { NativeBackend } from '../native/module'
import { asTensor, input, padOrCrop, pair, requireNhwc } from './compose'

const NAME = tf.Conv2DBackpropFilter

type Info = ReturnType<typeof tf.backend_util.computeConv2DInfo>

/** dy as the filter of a convolution over x (any stride). */
function viaDyFilter(x: tf.Tensor4D, dy: tf.Tensor4D, info: Info, stride: [number, number]): tf.Tensor4D {
  const { filterHeight: kh, filterWidth: kw, inChannels: ci, outChannels: co, inHeight: h, inWidth: w } = info
  const [sh, sw] = stride
  const [, ho, wo] = dy.shape
  const { top, left } = info.padInfo
  // Rows the swapped convolution must see: enough for kh outputs at dilation sh.
  const bottom = Math.max(info.padInfo.bottom, kh - 1 + (ho - 1) * sh + 1 - h - top)
  const right = Math.max(info.padInfo.right, kw - 1 + (wo - 1) * sw + 1 - w - left)
  const xT = tf.transpose(x, [3, 1, 2, 0])
  const dyT = tf.transpose(dy, [1, 2, 0, 3])
  const swapped = tf.conv2d(
    xT,
    dyT,
    1,
    [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ],
    'NHWC',
    [sh, sw],
  )
  const cropped = swapped.shape[1] === kh && swapped.shape[2] === kw ? swapped : tf.slice(swapped, [0, 0, 0, 0], [ci, kh, kw, co])
  return tf.transpose(cropped, [1, 2, 0, 3])
}

/**
 * x as the filter (stride 1): dW[a,b] = sum over u,v of x[u,v] * dy[u + top - a, v + left - b], a
 * correlation of dy (padded by kh-1-top above, so that output row p is tap a = kh-1-p) with x.
 * Negative pads crop rows of dy that only ever meet padding.
 */
function viaXFilter(x: tf.Tensor4D, dy: tf.Tensor4D, info: Info): tf.Tensor4D {
  const { filterHeight: kh, filterWidth: kw, inHeight: h, inWidth: w } = info
  const [, ho, wo] = dy.shape
  const { top, left } = info.padInfo
  const padTop = kh - 1 - top
  const padLeft = kw - 1 - left
  const dyT = tf.transpose(dy, [3, 1, 2, 0])
  const input = padOrCrop(dyT, { top: padTop, left: padLeft, bottom: kh - 1 + h - ho - padTop, right: kw - 1 + w - wo - padLeft })
  const filter = tf.transpose(x, [1, 2, 0, 3])
  const flipped = tf.conv2d(input, filter, 1, 'valid')
  return tf.transpose(tf.reverse(flipped, [1, 2]), [1, 2, 3, 0])
}

/** Input channels up to which the native kernel beats XNNPACK's swapped convolution. */
const FEW_CHANNELS = 4
/** Pixels whose dy rows the native kernel keeps in cache at a time (256 x 32 channels = 32 KB). */
const PIXEL_CHUNK = 256

/** The native direct kernel (native/kernels.c), for layers with few input channels. */
function native(backend: tf.KernelBackend, x: tf.TensorInfo, dy: tf.TensorInfo, info: Info): tf.TensorInfo {
  const kernel = new NativeBackend(backend, NAME)
  const dw = kernel.output([info.filterHeight, info.filterWidth, info.inChannels, info.outChannels])
  kernel.withScratch(PIXEL_CHUNK * 4, (offsets) => {
    kernel.kernels.conv2d_filter_grad(
      kernel.pointer(x),
      kernel.pointer(dy),
      kernel.pointer(dw),
      info.batchSize,
      info.inHeight,
      info.inWidth,
      info.inChannels,
      info.outHeight,
      info.outWidth,
      info.outChannels,
      info.filterHeight,
      info.filterWidth,
      info.strideHeight,
      info.strideWidth,
      info.padInfo.top,
      info.padInfo.left,
      PIXEL_CHUNK,
      offsets,
    )
  })
  return dw
}

export function conv2dBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap
  attrs?: tf.NamedAttrMap
  backend: tf.KernelBackend
}): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs
  requireNhwc(attrs.dataFormat, NAME)
  const xInfo = input(args.inputs, 'x', NAME)
  const dyInfo = input(args.inputs, 'dy', NAME)
  const info = tf.backend_util.computeConv2DInfo(
    xInfo.shape as [number, number, number, number],
    attrs.filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  )
  if (info.inChannels <= FEW_CHANNELS && xInfo.dtype === 'float32' && dyInfo.dtype === 'float32') {
    return native(args.backend, xInfo, dyInfo, info)
  }
  const stride = pair(attrs.strides)
  const size = (t: tf.TensorInfo): number => tf.util.sizeFromShape(t.shape)
  const xFilter = stride[0] === 1 && stride[1] === 1 && size(xInfo) < size(dyInfo)
  return tf.tidy(() => {
    const x = asTensor<tf.Rank.R4>(xInfo)
    const dy = asTensor<tf.Rank.R4>(dyInfo)
    return xFilter ? viaXFilter(x, dy, info) : viaDyFilter(x, dy, info, stride)
  })
}

export const conv2dBackpropFilterConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: conv2dBackpropFilter as unknown as tf.KernelFunc,
}

// DepthwiseConv2dNativeBackpropFilter (the weight gradient of a depthwise convolution), missing from
// tfjs-backend-wasm:  dW[a,b,c,q] = sum over n,i,j of xpad[n, i*sh + a*dh, j*sw + b*dw, c] * dy[n,i,j,c*m+q]
// Channel multiplier 1 (MobileNet): one SIMD pass over dy on the native kernel (native/kernels.c),
// 3.7 -> 0.3 ms on a [32,3,3,960] layer (a depthwise convolution with the batch folded into the
// channels, the XNNPACK route, took 3.7). Other multipliers: one strided window of x per tap,
// multiplied by dy and summed.
import * as tf from '../../../tf'
import { NativeBackend } from '../native/module'
import { depthwiseDims } from '../native/plans'
import { asTensor, input, pair } from './compose'

const NAME = tf.DepthwiseConv2dNativeBackpropFilter

export function depthwiseConv2dNativeBackpropFilter(args: {
  inputs: tf.NamedTensorInfoMap
  attrs?: tf.NamedAttrMap
  backend: tf.KernelBackend
}): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.DepthwiseConv2dNativeBackpropFilterAttrs
  const xInfo = input(args.inputs, 'x', NAME)
  const dyInfo = input(args.inputs, 'dy', NAME)
  const filterShape = attrs.filterShape
  const info = tf.backend_util.computeConv2DInfo(
    xInfo.shape as [number, number, number, number],
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
  const [n, h, w] = xInfo.shape as [number, number, number, number]
  if (m === 1) {
    // One pass over dy on the native kernel (native/kernels.c).
    if (xInfo.dtype !== 'float32' || dyInfo.dtype !== 'float32')
      throw new Error(`${NAME} on wasm supports float32, got ${xInfo.dtype}`)
    const native = new NativeBackend(args.backend, NAME)
    const dw = native.output([kh, kw, c, 1])
    native.kernels.depthwise_filter_grad(
      native.pointer(xInfo),
      native.pointer(dyInfo),
      native.pointer(dw),
      ...depthwiseDims(info),
    )
    return dw
  }
  return tf.tidy(() => {
    const x = asTensor<tf.Rank.R4>(xInfo)
    const dy = asTensor<tf.Rank.R4>(dyInfo)
    const [, ho, wo] = dy.shape
    const { top, left } = info.padInfo
    const bottom = Math.max(info.padInfo.bottom, (kh - 1) * dh + (ho - 1) * sh + 1 - h - top)
    const right = Math.max(info.padInfo.right, (kw - 1) * dw + (wo - 1) * sw + 1 - w - left)
    const xPad = tf.pad(x, [
      [0, 0],
      [top, Math.max(0, bottom)],
      [left, Math.max(0, right)],
      [0, 0],
    ])
    const dyGrouped = tf.reshape(dy, [n, ho, wo, c, m])
    const taps: tf.Tensor[] = []
    for (let a = 0; a < kh; a++) {
      for (let b = 0; b < kw; b++) {
        const window = tf.stridedSlice(
          xPad,
          [0, a * dh, b * dw, 0],
          [n, a * dh + (ho - 1) * sh + 1, b * dw + (wo - 1) * sw + 1, c],
          [1, sh, sw, 1],
        ) as tf.Tensor4D
        const product = tf.mul(tf.expandDims(window, 4), dyGrouped)
        taps.push(tf.sum(product, [0, 1, 2]))
      }
    }
    return tf.reshape(tf.stack(taps), [kh, kw, c, m])
  })
}

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: NAME,
  backendName: 'wasm',
  kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc,
}

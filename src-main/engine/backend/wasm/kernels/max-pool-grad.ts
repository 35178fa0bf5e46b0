// MaxPoolGrad for non-overlapping windows (pool size = stride, the Seed CNN's and VGG16's 2x2/2, any
// padding):
// the winner of each window is found with one ArgMax over the window's taps and dy is scattered to it
// with a OneHot product, all vectorised wasm kernels. The first maximum in row-major window order
// wins, as in tfjs' reference kernels (ties are common after ReLU). Other shapes use the stock kernel.
import * as tf from '../../../tf'
import { asTensor, input, padOrCrop, pair, stockKernel } from './compose'

const NAME = tf.MaxPoolGrad

let stock: tf.KernelConfig | null = null

function maxPoolGrad(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }): tf.TensorInfo {
  if (stock === null) throw new Error('MaxPoolGrad on wasm: the stock kernel was not captured')
  const attrs = args.attrs as unknown as tf.MaxPoolGradAttrs
  const [kh, kw] = pair(attrs.filterSize)
  const [sh, sw] = pair(attrs.strides)
  const xInfo = input(args.inputs, 'input', NAME)
  const dyInfo = input(args.inputs, 'dy', NAME)
  const [n, h, w, c] = xInfo.shape as [number, number, number, number]
  const [, ho, wo] = dyInfo.shape as [number, number, number, number]
  if (kh !== sh || kw !== sw) return stock.kernelFunc(args) as tf.TensorInfo
  const info = tf.backend_util.computePool2DInfo([n, h, w, c], [kh, kw], [sh, sw], 1, attrs.pad, attrs.dimRoundingMode)
  // The windows cover rows -top .. ho*kh-top of x: pad with -Infinity (never the maximum) or crop.
  const { top, left } = info.padInfo
  const bottom = ho * kh - top - h
  const right = wo * kw - left - w
  return tf.tidy(() => {
    let x = asTensor<tf.Rank.R4>(xInfo)
    const dy = asTensor<tf.Rank.R4>(dyInfo)
    if (top > 0 || left > 0 || bottom > 0 || right > 0) {
      x = tf.pad(x, [[0, 0], [top, Math.max(0, bottom)], [left, Math.max(0, right)], [0, 0]], -Infinity)
    }
    if (bottom < 0 || right < 0) x = tf.slice(x, [0, 0, 0, 0], [n, ho * kh, wo * kw, c])
    const windows = tf.reshape(tf.transpose(tf.reshape(x, [n, ho, kh, wo, kw, c]), [0, 1, 3, 5, 2, 4]), [n, ho, wo, c, kh * kw])
    const winner = tf.oneHot(tf.argMax(windows, 4), kh * kw)
    const routed = tf.mul(winner, tf.expandDims(dy, 4))
    const dx = tf.reshape(tf.transpose(tf.reshape(routed, [n, ho, wo, c, kh, kw]), [0, 1, 4, 2, 5, 3]), [n, ho * kh, wo * kw, c]) as tf.Tensor4D
    return padOrCrop(dx, { top: -top, left: -left, bottom: -bottom, right: -right })
  })
}

/** Captures tfjs' own MaxPoolGrad for wasm (the fallback); call before registering the replacement. */
export function maxPoolGradConfig(): tf.KernelConfig {
  if (stock === null) stock = stockKernel(NAME)
  const config: tf.KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: maxPoolGrad as unknown as tf.KernelFunc }
  if (stock.setupFunc) config.setupFunc = stock.setupFunc
  return config
}

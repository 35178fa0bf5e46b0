// Helpers for kernels composed from other wasm kernels: tfjs ops called inside a kernelFunc run on
// the active (wasm) backend, are not recorded on the gradient tape (the engine is inside a kernel),
// and a returned Tensor is handed to the caller as the kernel's output without an extra reference.
import * as tf from '../../../tf'

export type Pair = [number, number]

/** Pads as [top, bottom, left, right], the layout tfjs' conv info uses. */
export interface Pads {
  top: number
  bottom: number
  left: number
  right: number
}

/**
 * A kernel input as a Tensor. Ops pass Tensors; a bare TensorInfo gets a new reference through the
 * Identity kernel, so disposing the wrapper (by the enclosing tidy) leaves the caller's data alone.
 */
export function asTensor<R extends tf.Rank>(info: tf.TensorInfo): tf.Tensor<R> {
  if (info instanceof tf.Tensor) return info as tf.Tensor<R>
  return tf.engine().runKernel(tf.Identity, { x: info } as unknown as tf.NamedTensorMap) as unknown as tf.Tensor<R>
}

export function pair(value: number | [number, number]): Pair {
  return typeof value === 'number' ? [value, value] : [value[0], value[1]]
}

/** Reads a required input by name, with the kernel's name in the error. */
export function input(inputs: tf.NamedTensorInfoMap, name: string, kernel: string): tf.TensorInfo {
  const value = inputs[name]
  if (value === undefined) throw new Error(`${kernel} on wasm: missing input '${name}'`)
  return value
}

export function requireNhwc(dataFormat: string | undefined, kernel: string): void {
  if (dataFormat !== undefined && dataFormat !== 'NHWC' && dataFormat !== 'channelsLast') {
    throw new Error(`${kernel} on wasm supports only NHWC data, got dataFormat '${dataFormat}'`)
  }
}

/**
 * Pads (positive amounts) and crops (negative amounts) the two spatial axes of an NHWC tensor in
 * one go, so callers can state the window they need without caring which way it goes.
 */
export function padOrCrop(x: tf.Tensor4D, pads: Pads): tf.Tensor4D {
  const pos = (v: number): number => Math.max(0, v)
  let out = x
  if (pads.top > 0 || pads.bottom > 0 || pads.left > 0 || pads.right > 0) {
    out = tf.pad(x, [
      [0, 0],
      [pos(pads.top), pos(pads.bottom)],
      [pos(pads.left), pos(pads.right)],
      [0, 0],
    ])
  }
  if (pads.top < 0 || pads.bottom < 0 || pads.left < 0 || pads.right < 0) {
    const [n, h, w, c] = out.shape
    const top = pos(-pads.top)
    const left = pos(-pads.left)
    out = tf.slice(out, [0, top, left, 0], [n, h - top - pos(-pads.bottom), w - left - pos(-pads.right), c])
  }
  return out
}

/** Inserts stride-1 zeros after every row/column: [N,Ho,Wo,C] -> [N,Ho*sh,Wo*sw,C]. */
export function spread(dy: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  if (sh === 1 && sw === 1) return dy
  const [n, ho, wo, c] = dy.shape
  const grid = tf.reshape(dy, [n, ho, 1, wo, 1, c])
  const padded = tf.pad(grid, [
    [0, 0],
    [0, 0],
    [0, sh - 1],
    [0, 0],
    [0, sw - 1],
    [0, 0],
  ])
  return tf.reshape(padded, [n, ho * sh, wo * sw, c])
}

/** The kernel registered for `name` on wasm before this module replaced it (tfjs' stock one). */
export function stockKernel(name: string): tf.KernelConfig {
  const config = tf.getKernel(name, 'wasm')
  if (config === undefined) throw new Error(`tfjs-backend-wasm has no '${name}' kernel to build on`)
  return config
}

/** What tfjs passes a kernel function. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap
  attrs?: tf.NamedAttrMap
  backend: tf.KernelBackend
}

/**
 * A replacement for tfjs-backend-wasm's own kernel `name`, which it can fall back to (other dtypes,
 * shapes it does not handle). The returned function captures the stock kernel on its first call, so
 * call it after tfjs-backend-wasm registered its kernels and before registering the replacement; the
 * kernel function is the same object every time (registration compares it).
 */
export function replacingStock(
  name: string,
  kernel: (args: KernelArgs, stock: tf.KernelConfig) => tf.TensorInfo,
): () => tf.KernelConfig {
  let stock: tf.KernelConfig | null = null
  const kernelFunc = (args: KernelArgs): tf.TensorInfo => {
    if (stock === null) throw new Error(`${name} on wasm: the stock kernel was not captured`)
    return kernel(args, stock)
  }
  return () => {
    if (stock === null) stock = stockKernel(name)
    const config: tf.KernelConfig = { kernelName: name, backendName: 'wasm', kernelFunc: kernelFunc as unknown as tf.KernelFunc }
    if (stock.setupFunc) config.setupFunc = stock.setupFunc
    return config
  }
}

// BatchMatMul with transposed operands: tfjs-backend-wasm's kernel is fast on plain row-major
// operands but several times slower when asked to transpose (gradients of Dense layers always do).
// Operands are transposed explicitly (wasm Transpose) and the stock kernel runs on plain ones, using
// whichever of op(A)·op(B) and (op(B)ᵀ·op(A)ᵀ)ᵀ moves fewer elements through Transpose (for
// dx = dy·Wᵀ of a 4096x512 Dense layer the second avoids transposing W). Plain calls go straight to
// the stock kernel.
import * as tf from '../../../tf'
import { asTensor, input, stockKernel } from './compose'

const NAME = tf.BatchMatMul

let stock: tf.KernelConfig | null = null

function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i)
  const r = perm.length
  perm[r - 2] = r - 1
  perm[r - 1] = r - 2
  return tf.transpose(t, perm)
}

function batchMatMul(args: { inputs: tf.NamedTensorInfoMap; attrs?: tf.NamedAttrMap; backend: tf.KernelBackend }): tf.TensorInfo {
  if (stock === null) throw new Error('BatchMatMul on wasm: the stock kernel was not captured')
  const attrs = args.attrs as unknown as tf.BatchMatMulAttrs
  if (!attrs.transposeA && !attrs.transposeB) return stock.kernelFunc(args) as tf.TensorInfo
  const a = input(args.inputs, 'a', NAME)
  const b = input(args.inputs, 'b', NAME)
  const size = (t: tf.TensorInfo): number => t.shape.reduce((x, y) => x * y, 1)
  const rows = a.shape[a.shape.length - (attrs.transposeA ? 1 : 2)] ?? 1
  const cols = b.shape[b.shape.length - (attrs.transposeB ? 2 : 1)] ?? 1
  const batch = Math.max(size(a) / (a.shape.slice(-2).reduce((x, y) => x * y, 1) || 1), size(b) / (b.shape.slice(-2).reduce((x, y) => x * y, 1) || 1))
  const direct = (attrs.transposeA ? size(a) : 0) + (attrs.transposeB ? size(b) : 0)
  const swapped = (attrs.transposeA ? 0 : size(a)) + (attrs.transposeB ? 0 : size(b)) + batch * rows * cols
  const transposed = (info: tf.TensorInfo): tf.Tensor => tf.tidy(() => swapLastTwo(asTensor(info)))
  if (direct <= swapped) {
    const operands = { a: attrs.transposeA ? transposed(a) : null, b: attrs.transposeB ? transposed(b) : null }
    try {
      return stock.kernelFunc({ ...args, inputs: { a: operands.a ?? a, b: operands.b ?? b }, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo
    } finally {
      operands.a?.dispose()
      operands.b?.dispose()
    }
  }
  // Cᵀ = op(B)ᵀ·op(A)ᵀ: op(B)ᵀ is B itself when B was to be transposed, likewise for A.
  const left = attrs.transposeB ? null : transposed(b)
  const right = attrs.transposeA ? null : transposed(a)
  let product: tf.Tensor | null = null
  try {
    const info = stock.kernelFunc({ ...args, inputs: { a: left ?? b, b: right ?? a }, attrs: { transposeA: false, transposeB: false } }) as tf.TensorInfo
    // Tracked by the engine like any kernel output, so disposing it frees it everywhere.
    product = tf.engine().makeTensorFromTensorInfo(info)
    return swapLastTwo(product)
  } finally {
    left?.dispose()
    right?.dispose()
    product?.dispose()
  }
}

/** Captures tfjs' own BatchMatMul for wasm; call before registering the replacement. */
export function batchMatMulConfig(): tf.KernelConfig {
  if (stock === null) stock = stockKernel(NAME)
  const config: tf.KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: batchMatMul as unknown as tf.KernelFunc }
  if (stock.setupFunc) config.setupFunc = stock.setupFunc
  return config
}

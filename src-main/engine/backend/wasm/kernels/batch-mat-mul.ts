// BatchMatMul on tfjs-backend-wasm's fast path, chosen by cost. The stock kernel is fast only on
// plain row-major operands with a batch of 1 (XNNPACK's fully-connected operator, with b as the
// weights), and it repacks b into XNNPACK's layout whenever b is a tensor it has not seen: ~8 ns an
// element, 15 ms for the 4096x512 kernel of a Dense layer, which training replaces every step.
// So every call is run as whichever of
//   direct:   op(A)·op(B)          (A and B transposed explicitly when asked; op(B) is packed)
//   swapped:  (op(B)ᵀ·op(A)ᵀ)ᵀ     (op(A)ᵀ is packed; the small product is transposed back)
// moves and packs fewer elements. Transposes run on the native kernel (~1.5 ns an element).
// A b seen before (inference reuses the same weights) takes the direct path, where the stock kernel
// packs it once and then finds it in its operator cache.
import * as tf from '../../../tf'
import { asTensor, input, replacingStock, type KernelArgs } from './compose'

const NAME = tf.BatchMatMul
/** Relative costs per element, measured on the wasm backend (see BENCHMARKS.md). */
const TRANSPOSE_COST = 1.5
const PACK_COST = 8

/** Buffers already seen as b: a second use is a sign of weights that will be reused again. */
const seenAsWeights = new WeakSet<object>()

function swapLastTwo(t: tf.Tensor): tf.Tensor {
  const perm = t.shape.map((_, i) => i)
  const r = perm.length
  perm[r - 2] = r - 1
  perm[r - 1] = r - 2
  return tf.transpose(t, perm)
}

/** A kernel input with its last two axes swapped, as a new tensor the caller disposes. */
function transposed(info: tf.TensorInfo): tf.Tensor {
  return tf.tidy(() => swapLastTwo(asTensor(info)))
}

function batchMatMul(args: KernelArgs, stock: tf.KernelConfig): tf.TensorInfo {
  const attrs = args.attrs as unknown as tf.BatchMatMulAttrs
  const a = input(args.inputs, 'a', NAME)
  const b = input(args.inputs, 'b', NAME)
  const size = (t: tf.TensorInfo): number => tf.util.sizeFromShape(t.shape)
  const matrices = (t: tf.TensorInfo): number => size(t) / (t.shape.slice(-2).reduce((x, y) => x * y, 1) || 1)
  const batch = Math.max(matrices(a), matrices(b))
  const rows = a.shape[a.shape.length - (attrs.transposeA ? 1 : 2)] ?? 1
  const cols = b.shape[b.shape.length - (attrs.transposeB ? 2 : 1)] ?? 1
  // The weights operand is packed only on the batch-1 fast path; batched products take the stock
  // kernel's loop either way, so only the transposes count there.
  const packs = batch === 1 ? PACK_COST : 0
  const reused = seenAsWeights.has(b.dataId)
  seenAsWeights.add(b.dataId)
  const direct =
    TRANSPOSE_COST * ((attrs.transposeA ? size(a) : 0) + (attrs.transposeB ? size(b) : 0)) + (reused ? 0 : packs * size(b))
  const swapped =
    TRANSPOSE_COST * ((attrs.transposeA ? 0 : size(a)) + (attrs.transposeB ? 0 : size(b)) + batch * rows * cols) + packs * size(a)
  if (direct <= swapped) {
    if (!attrs.transposeA && !attrs.transposeB) return stock.kernelFunc(args) as tf.TensorInfo
    const operands = { a: attrs.transposeA ? transposed(a) : null, b: attrs.transposeB ? transposed(b) : null }
    try {
      return stock.kernelFunc({
        ...args,
        inputs: { a: operands.a ?? a, b: operands.b ?? b },
        attrs: { transposeA: false, transposeB: false },
      }) as tf.TensorInfo
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
    const info = stock.kernelFunc({
      ...args,
      inputs: { a: left ?? b, b: right ?? a },
      attrs: { transposeA: false, transposeB: false },
    }) as tf.TensorInfo
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
export const batchMatMulConfig = replacingStock(NAME, batchMatMul)

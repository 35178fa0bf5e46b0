// BatchMatMul with transposed operands: tfjs-backend-wasm's kernel is fast on plain row-major
// operands but several times slower when asked to transpose (gradients of Dense layers always do).
// Transposing the operand explicitly (a wasm Transpose, one pass over memory) and then running the
// stock kernel on plain operands is faster. Plain calls go straight to the stock kernel.
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
  const transposed = (info: tf.TensorInfo): tf.Tensor => tf.tidy(() => swapLastTwo(asTensor(info)))
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

/** Captures tfjs' own BatchMatMul for wasm; call before registering the replacement. */
export function batchMatMulConfig(): tf.KernelConfig {
  if (stock === null) stock = stockKernel(NAME)
  const config: tf.KernelConfig = { kernelName: NAME, backendName: 'wasm', kernelFunc: batchMatMul as unknown as tf.KernelFunc }
  if (stock.setupFunc) config.setupFunc = stock.setupFunc
  return config
}

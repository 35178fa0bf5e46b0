// Kernels tfjs-node composes slowly, replaced by fewer native TensorFlow ops for the "tensorflow"
// backend only. Same results as the stock kernels (tests/unit/kernels/tensorflow-kernels.test.ts).
import * as tf from '../tf'

/** The parts of tfjs-node's NodeJSKernelBackend these kernels call. */
interface NodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_FLOAT: number; TF_BOOL: number }
  executeSingleOutput(name: string, attrs: object[], inputs: tf.Tensor[]): tf.Tensor
}

function isNodeBackend(backend: unknown): backend is NodeBackend {
  const b = backend as Partial<NodeBackend> | null
  return typeof b?.executeSingleOutput === 'function' && typeof b.binding === 'object'
}

let registered = false

/**
 * Step (the ReLU gradient's mask): tfjs-node builds it from seven ops, two of them full-size fills
 * (ones and fill(alpha)); for alpha 0, the ReLU case, it is Greater + Cast, with IsNan + Select
 * keeping Step(NaN) = NaN. A quarter of a Seed CNN training step on tfjs-node went to Step.
 */
export function registerNativeTrainingKernels(): void {
  if (registered) return
  const stock = tf.getKernel(tf.Step, 'tensorflow')
  if (!stock) return
  registered = true
  tf.unregisterKernel(tf.Step, 'tensorflow')
  tf.registerKernel({
    kernelName: tf.Step,
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.Tensor }
      const alpha = (args.attrs as { alpha?: number } | undefined)?.alpha ?? 0
      const backend = args.backend
      if (alpha !== 0 || x.dtype !== 'float32' || !isNodeBackend(backend)) return stock.kernelFunc(args)
      const { binding } = backend
      const float = { name: 'T', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT }
      return tf.tidy(() => {
        const positive = backend.executeSingleOutput('Greater', [float], [x, tf.scalar(0)])
        const mask = backend.executeSingleOutput(
          'Cast',
          [
            { name: 'SrcT', type: binding.TF_ATTR_TYPE, value: binding.TF_BOOL },
            { name: 'DstT', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
            { name: 'Truncate', type: binding.TF_ATTR_BOOL, value: false },
          ],
          [positive],
        )
        const nan = backend.executeSingleOutput('IsNan', [float], [x])
        return backend.executeSingleOutput('Select', [float], [nan, x, mask])
      })
    },
  })
}

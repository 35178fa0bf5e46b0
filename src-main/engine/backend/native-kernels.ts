// Kernels tfjs-node composes slowly, replaced by fewer native TensorFlow ops for the "tensorflow"
// backend only (the ReLU gradients, Step). Same results as the stock kernels (tests/unit/kernels/tensorflow-kernels.test.ts).
import * as tf from '../tf'
import { isNodeBackend, type NodeBackend } from './native-ops'
import { RELU_GRAD, reluGradients } from './wasm/kernels/relu-grad'

let registered = false

function castAttrs(binding: NodeBackend['binding']): object[] {
  return [
    { name: 'SrcT', type: binding.TF_ATTR_TYPE, value: binding.TF_BOOL },
    { name: 'DstT', type: binding.TF_ATTR_TYPE, value: binding.TF_FLOAT },
    { name: 'Truncate', type: binding.TF_ATTR_BOOL, value: false },
  ]
}

/**
 * The ReLU / ReLU6 gradient (the kernel the engine's ReLU gradients call where a backend has it) as
 * TensorFlow's own ReluGrad: one op instead of Step + Cast + Multiply (ReLU6 adds the x ≤ 6 mask,
 * tfjs' rule, where TensorFlow's Relu6Grad would drop x = 6). Where x is NaN it gives 0 instead of
 * NaN; the forward pass has then already made the loss non-finite, which fails the run.
 */
const reluGradConfig: tf.KernelConfig = {
  kernelName: RELU_GRAD,
  backendName: 'tensorflow',
  kernelFunc: (args) => {
    const { dy, x } = args.inputs as { dy: tf.Tensor; x: tf.Tensor }
    const { cap } = args.attrs as unknown as { cap: number }
    const backend = args.backend
    if (!isNodeBackend(backend)) throw new Error(`${RELU_GRAD}: not the tfjs-node backend`)
    const float = { name: 'T', type: backend.binding.TF_ATTR_TYPE, value: backend.binding.TF_FLOAT }
    if (cap === 0) return backend.executeSingleOutput('ReluGrad', [float], [dy, x])
    return tf.tidy(() => {
      const belowCap = backend.executeSingleOutput('LessEqual', [float], [x, tf.scalar(cap)])
      const mask = backend.executeSingleOutput('Cast', castAttrs(backend.binding), [belowCap])
      return backend.executeSingleOutput('Mul', [float], [backend.executeSingleOutput('ReluGrad', [float], [dy, x]), mask])
    })
  },
}

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
  tf.registerKernel(reluGradConfig)
  // The ReLU gradients that call it (also registered by the wasm setup; the same functions).
  for (const gradient of reluGradients) tf.registerGradient(gradient)
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
        const mask = backend.executeSingleOutput('Cast', castAttrs(binding), [positive])
        const nan = backend.executeSingleOutput('IsNan', [float], [x])
        return backend.executeSingleOutput('Select', [float], [nan, x, mask])
      })
    },
  })
}

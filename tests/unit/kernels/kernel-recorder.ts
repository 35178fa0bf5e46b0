// Records every kernel call tfjs' cpu backend makes while a function runs (inputs, attributes and
// outputs, once per distinct signature), so another backend can replay the calls a real model makes
// on the same inputs and be compared output by output.
import * as tf from '../../../src-main/engine/tf'

export interface HostValue {
  shape: number[]
  dtype: tf.DataType
  values: tf.TypedArray
}

export interface KernelCall {
  kernel: string
  /** Shapes, dtypes and attributes: the calls recorded once each. */
  signature: string
  inputs: Record<string, HostValue>
  attrs: tf.NamedAttrMap
  outputs: HostValue[]
}

type CpuBackend = { readSync(dataId: object): tf.TypedArray }

function host(info: tf.TensorInfo, backend: CpuBackend): HostValue {
  return { shape: info.shape.slice(), dtype: info.dtype, values: backend.readSync(info.dataId).slice() }
}

function signatureOf(kernel: string, inputs: Record<string, tf.TensorInfo | null | undefined>, attrs: unknown): string {
  const shapes = Object.entries(inputs)
    .filter(([, t]) => t != null)
    .map(([name, t]) => `${name}:${t!.dtype}[${t!.shape.join(',')}]`)
  return `${kernel}(${shapes.join(' ')}) ${JSON.stringify(attrs ?? {})}`
}

/** Runs `fn` on the cpu backend and returns the distinct kernel calls it made, in order. */
export async function recordCpuKernels(fn: () => Promise<void>): Promise<KernelCall[]> {
  await tf.setBackend('cpu')
  const calls = new Map<string, KernelCall>()
  const originals = tf.getKernelsForBackend('cpu')
  for (const config of originals) {
    tf.unregisterKernel(config.kernelName, 'cpu')
    tf.registerKernel({
      ...config,
      kernelFunc: (args) => {
        const out = config.kernelFunc(args)
        const inputs = args.inputs as Record<string, tf.TensorInfo | null | undefined>
        const signature = signatureOf(config.kernelName, inputs, args.attrs)
        const numeric = Object.values(inputs).every((t) => t == null || (t.dtype !== 'string' && t.dtype !== 'complex64'))
        if (numeric && !calls.has(signature)) {
          const backend = args.backend as unknown as CpuBackend
          const hosted: Record<string, HostValue> = {}
          for (const [name, t] of Object.entries(inputs)) if (t != null) hosted[name] = host(t, backend)
          const outs = Array.isArray(out) ? out : [out]
          calls.set(signature, {
            kernel: config.kernelName,
            signature,
            inputs: hosted,
            attrs: { ...(args.attrs ?? {}) },
            outputs: outs.map((o) => host(o, backend)),
          })
        }
        return out
      },
    })
  }
  try {
    await fn()
  } finally {
    for (const config of originals) {
      tf.unregisterKernel(config.kernelName, 'cpu')
      tf.registerKernel(config)
    }
  }
  return [...calls.values()]
}

/** max |a - b| / scale over one output (scale: max |b| unless given), the error relative to its scale. */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>, scale?: number): number {
  let diff = 0
  let max = 0
  for (let i = 0; i < expected.length; i++) {
    const e = Number(expected[i])
    diff = Math.max(diff, Math.abs(Number(actual[i]) - e))
    max = Math.max(max, Math.abs(e))
  }
  return diff === 0 ? 0 : diff / Math.max(scale ?? max, 1e-30)
}

/** Replays one recorded call on the active backend and returns its outputs. */
export async function replay(call: KernelCall): Promise<HostValue[]> {
  const inputs: tf.NamedTensorMap = {}
  for (const [name, v] of Object.entries(call.inputs)) inputs[name] = tf.tensor(v.values, v.shape, v.dtype)
  try {
    const result = tf.engine().runKernel<tf.Tensor | tf.Tensor[]>(call.kernel, inputs, call.attrs)
    const outs = Array.isArray(result) ? result : [result]
    const hosted: HostValue[] = []
    for (const o of outs)
      hosted.push({ shape: o.shape.slice(), dtype: o.dtype, values: await o.data<'float32' | 'int32' | 'bool'>() })
    tf.dispose(outs)
    return hosted
  } finally {
    tf.dispose(Object.values(inputs))
  }
}

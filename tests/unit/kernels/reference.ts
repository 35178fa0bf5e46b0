// Runs one kernel on a named backend from plain arrays, so wasm results can be compared with tfjs'
// reference cpu kernels on identical inputs.
import { expect } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { setupWasm } from '../../../src-main/engine/backend/wasm/setup'
import { registerWasmTrainingKernels } from '../../../src-main/engine/backend/wasm/kernels'

export interface HostTensor {
  shape: number[]
  values: Float32Array
}

/** Initialises wasm (single thread keeps results deterministic), registers our kernels, selects cpu. */
export async function initBackends(): Promise<void> {
  await setupWasm({ threads: 1 })
  registerWasmTrainingKernels()
  if (!(await tf.setBackend('wasm')) || tf.getBackend() !== 'wasm') throw new Error('wasm backend failed to start')
  await tf.setBackend('cpu')
}

/** Deterministic pseudo-random values in [-1, 1) (mulberry32). */
export function random(shape: number[], seed: number): HostTensor {
  const size = shape.reduce((a, b) => a * b, 1)
  const values = new Float32Array(size)
  let s = seed >>> 0
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    values[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1
  }
  return { shape, values }
}

export interface KernelRun {
  out: HostTensor
  /** Tensors or data buffers (engine and backend) alive after the call minus before, not counting the output. */
  leaked: number
}

export async function runKernel(
  backend: 'cpu' | 'wasm',
  kernelName: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
): Promise<KernelRun> {
  await tf.setBackend(backend)
  if (tf.getBackend() !== backend) throw new Error(`backend ${backend} not active`)
  const tensors: tf.NamedTensorMap = {}
  for (const [name, t] of Object.entries(inputs)) tensors[name] = tf.tensor(t.values, t.shape, 'float32')
  const counts = (): number[] => [tf.memory().numTensors, tf.memory().numDataBuffers, tf.engine().backend.numDataIds()]
  const before = counts()
  const result = tf.engine().runKernel<tf.Tensor>(kernelName, tensors, attrs as tf.NamedAttrMap)
  const after = counts()
  // The output adds one tensor; a kernel sharing an input's buffer (Identity, Reshape) adds no buffer.
  const leaked = Math.max(...after.map((n, i) => n - (before[i] ?? 0) - 1))
  const out = { shape: result.shape.slice(), values: (await result.data()) as Float32Array }
  result.dispose()
  for (const t of Object.values(tensors)) t.dispose()
  return { out, leaked }
}

/** max |a - b| / max |b|: the error relative to the reference's scale. */
export function relativeError(actual: HostTensor, expected: HostTensor): number {
  if (actual.shape.join() !== expected.shape.join()) {
    throw new Error(`shape ${actual.shape.join('x')} differs from reference ${expected.shape.join('x')}`)
  }
  let diff = 0
  let scale = 0
  for (let i = 0; i < expected.values.length; i++) {
    const e = expected.values[i] ?? 0
    diff = Math.max(diff, Math.abs((actual.values[i] ?? 0) - e))
    scale = Math.max(scale, Math.abs(e))
  }
  return diff / Math.max(scale, 1e-30)
}

/** Largest relative difference a wasm kernel may show against tfjs' cpu reference. */
export const TOLERANCE = 1e-4

export type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]]

/** Runs `kernel` on cpu and on wasm with the same inputs: same shape, close values, nothing leaked. */
export async function expectWasmMatchesCpu(
  kernel: string,
  inputs: Record<string, HostTensor>,
  attrs: object,
  label: string,
): Promise<void> {
  const expected = await runKernel('cpu', kernel, inputs, attrs)
  const actual = await runKernel('wasm', kernel, inputs, attrs)
  expect(actual.out.shape, label).toEqual(expected.out.shape)
  expect(relativeError(actual.out, expected.out), label).toBeLessThan(TOLERANCE)
  expect(actual.leaked, `${label}: tensors left behind`).toBe(0)
}

/** Output size of a convolution or pool along `axis`, as tfjs computes it (floor rounding). */
export function outSize(size: number, k: number, stride: number, pad: Pad, axis: 1 | 2, dilation = 1): number {
  const eff = (k - 1) * dilation + 1
  if (pad === 'same') return Math.ceil(size / stride)
  if (pad === 'valid') return Math.ceil((size - eff + 1) / stride)
  const [before, after] = pad[axis]
  return Math.floor((size + before + after - eff) / stride) + 1
}

// End to end: a small Seed CNN (Conv2D→ReLU→MaxPool ×2, Flatten, Dense, Dense softmax; Adam,
// categorical cross-entropy) trained on wasm (2 threads, our kernels) follows the same loss trajectory
// as on tfjs' reference cpu backend from the same initial weights, and wasm stays the backend.
import { describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { setupWasm } from '../../../src-main/engine/backend/wasm/setup'
import { registerWasmTrainingKernels } from '../../../src-main/engine/backend/wasm/kernels'
import { createOptimizer } from '../../../src-main/engine/training/optimizer'
import { random } from './reference'

const N = 16
const SIZE = 16
const STEPS = 4

function seedCnn(): tf.LayersModel {
  const m = tf.sequential()
  m.add(
    tf.layers.conv2d({
      inputShape: [SIZE, SIZE, 3],
      filters: 8,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  )
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(
    tf.layers.conv2d({
      filters: 16,
      kernelSize: 3,
      padding: 'same',
      activation: 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  )
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(tf.layers.flatten())
  m.add(tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }))
  m.add(tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) }))
  // The engine's Adam: one fused kernel per variable on wasm, tfjs' AdamOptimizer on cpu.
  m.compile({ optimizer: createOptimizer('adam', 1e-3), loss: 'categoricalCrossentropy' })
  return m
}

async function losses(backend: 'cpu' | 'wasm'): Promise<number[]> {
  await tf.setBackend(backend)
  const x = random([N, SIZE, SIZE, 3], 11)
  const labels = Array.from({ length: N }, (_, i) => (i * 7) % 10)
  const model = seedCnn()
  const xs = tf.tensor4d(x.values, [N, SIZE, SIZE, 3])
  const ys = tf.oneHot(tf.tensor1d(labels, 'int32'), 10)
  const out: number[] = []
  for (let i = 0; i < STEPS; i++) out.push(Number(await model.trainOnBatch(xs, ys)))
  expect(tf.getBackend()).toBe(backend)
  xs.dispose()
  ys.dispose()
  model.dispose()
  return out
}

describe('Seed CNN training on wasm', () => {
  it('matches the cpu loss trajectory and stays on wasm', async () => {
    await setupWasm({ threads: 2 })
    registerWasmTrainingKernels()
    const cpu = await losses('cpu')
    const wasm = await losses('wasm')
    expect(tf.getBackend()).toBe('wasm')
    expect(cpu[STEPS - 1]).toBeLessThan(cpu[0] ?? 0) // it learns
    for (let i = 0; i < STEPS; i++) expect(Math.abs((wasm[i] ?? 0) - (cpu[i] ?? 0)) / (cpu[i] ?? 1)).toBeLessThan(1e-3)
  })
})

// The multi-threaded SIMD wasm build under Node: tfjs 4.22 disables it there; setupWasm makes it run.
import { describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { setupWasm } from '../../../src-main/engine/backend/wasm/setup'
import { random } from './reference'

describe('setupWasm with 2 threads', () => {
  it('runs the threaded build as "wasm" with 2 XNNPACK threads and computes what cpu computes', async () => {
    await tf.setBackend('cpu')
    const setup = await setupWasm({ threads: 2 })
    expect(setup.fallbackReason).toBeNull()
    expect(setup.multithreaded).toBe(true)
    expect(setup.threads).toBe(2)
    expect(setup.simd).toBe(true)
    expect(tf.getBackend()).toBe('cpu') // setupWasm leaves the active backend alone

    const x = random([4, 12, 12, 8], 7)
    const f = random([3, 3, 8, 16], 8)
    const conv = (): Float32Array =>
      tf.tidy(
        () =>
          tf
            .conv2d(
              tf.tensor4d(x.values, x.shape as [number, number, number, number]),
              tf.tensor4d(f.values, f.shape as [number, number, number, number]),
              1,
              'same',
            )
            .dataSync() as Float32Array,
      )
    const expected = conv()
    await tf.setBackend('wasm')
    expect(tf.getBackend()).toBe('wasm')
    const actual = conv()
    let err = 0
    for (let i = 0; i < expected.length; i++) err = Math.max(err, Math.abs((actual[i] ?? 0) - (expected[i] ?? 0)))
    expect(err).toBeLessThan(1e-4)
    // Same thread count again: no restart, same answer.
    expect(await setupWasm({ threads: 2 })).toEqual(setup)
    expect(tf.getBackend()).toBe('wasm')
  })
})

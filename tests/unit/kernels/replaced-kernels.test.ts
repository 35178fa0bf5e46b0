// Stock wasm kernels we replace with faster compositions, against tfjs' reference cpu kernels.
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { expectWasmMatchesCpu as compare, initBackends, outSize, random, runKernel, type Pad } from './reference'

beforeAll(initBackends)

describe('Conv2DBackpropInput on wasm', () => {
  it('matches cpu over shapes, kernels, strides and paddings', async () => {
    let seed = 1000
    let cases = 0
    const explicit: Pad = [
      [0, 0],
      [2, 1],
      [1, 0],
      [0, 0],
    ]
    for (const x of [
      [2, 7, 7, 3],
      [3, 10, 9, 5],
    ] as [number, number, number, number][]) {
      for (const k of [
        [1, 1],
        [3, 3],
        [2, 3],
        [5, 5],
      ] as [number, number][]) {
        for (const stride of [1, 2, 3]) {
          for (const pad of ['same', 'valid', explicit] as Pad[]) {
            const ho = outSize(x[1], k[0], stride, pad, 1)
            const wo = outSize(x[2], k[1], stride, pad, 2)
            if (ho < 1 || wo < 1) continue
            const co = 4
            const label = `x ${x.join('x')} k ${k.join('x')} s${stride} ${typeof pad === 'string' ? pad : 'explicit'}`
            await compare(
              'Conv2DBackpropInput',
              { dy: random([x[0], ho, wo, co], seed++), filter: random([k[0], k[1], x[3], co], seed++) },
              { strides: stride, pad, dataFormat: 'NHWC', inputShape: x },
              label,
            )
            cases++
          }
        }
      }
    }
    expect(cases).toBeGreaterThan(50)
  })
})

describe('BatchMatMul on wasm', () => {
  it('matches cpu for every transpose combination and batch shape', async () => {
    let seed = 2000
    const shapes: [number[], number[]][] = [
      [
        [1, 5, 7],
        [1, 7, 3],
      ],
      [
        [1, 2, 50],
        [1, 50, 40],
      ],
      [
        [1, 40, 50],
        [1, 50, 2],
      ],
      [
        [2, 3, 60],
        [2, 60, 30],
      ],
      [
        [4, 6, 8],
        [4, 8, 2],
      ],
      [
        [3, 64, 33],
        [3, 33, 17],
      ],
      [
        [2, 1, 9],
        [1, 9, 4],
      ],
    ]
    for (const [a, b] of shapes) {
      for (const transposeA of [false, true]) {
        for (const transposeB of [false, true]) {
          const sa = transposeA ? [a[0] ?? 1, a[2] ?? 1, a[1] ?? 1] : a
          const sb = transposeB ? [b[0] ?? 1, b[2] ?? 1, b[1] ?? 1] : b
          await compare(
            'BatchMatMul',
            { a: random(sa, seed++), b: random(sb, seed++) },
            { transposeA, transposeB },
            `a ${sa.join('x')}${transposeA ? 'ᵀ' : ''} b ${sb.join('x')}${transposeB ? 'ᵀ' : ''}`,
          )
        }
      }
    }
  })
})

describe('MaxPoolGrad on wasm', () => {
  it('matches cpu, ties (ReLU zeros) included, for tiling and overlapping windows and any channel count', async () => {
    let seed = 3000
    // Channel counts cover the 4-lane SIMD path (4, 8), its scalar tail (5, 6) and scalar only (2, 3).
    const cases: { x: number[]; k: number; s: number; pad: 'same' | 'valid' }[] = [
      { x: [2, 8, 8, 3], k: 2, s: 2, pad: 'valid' },
      { x: [2, 8, 6, 4], k: 2, s: 2, pad: 'same' },
      { x: [1, 9, 7, 2], k: 2, s: 2, pad: 'valid' },
      { x: [2, 9, 9, 5], k: 3, s: 3, pad: 'valid' },
      { x: [2, 7, 7, 8], k: 2, s: 2, pad: 'same' },
      { x: [1, 7, 8, 6], k: 3, s: 3, pad: 'same' },
      { x: [2, 8, 8, 4], k: 3, s: 2, pad: 'same' },
      { x: [2, 8, 8, 5], k: 3, s: 1, pad: 'valid' },
      { x: [1, 6, 6, 8], k: 3, s: 1, pad: 'same' },
      { x: [2, 5, 7, 3], k: 1, s: 2, pad: 'valid' },
    ]
    for (const c of cases) {
      const x = random(c.x, seed++)
      // Quantise and clamp at zero so windows tie, as they do after ReLU.
      x.values = x.values.map((v) => Math.max(0, Math.round(v * 2) / 2))
      const label = `x ${c.x.join('x')} pool ${c.k} stride ${c.s} ${c.pad}`
      const pooled = await runKernel('cpu', 'MaxPool', { x }, { filterSize: c.k, strides: c.s, pad: c.pad })
      const dy = random(pooled.out.shape, seed++)
      await compare('MaxPoolGrad', { dy, input: x, output: pooled.out }, { filterSize: c.k, strides: c.s, pad: c.pad }, label)
    }
  })

  it('never routes the gradient to NaN inputs, as cpu does', async () => {
    const x = random([1, 4, 4, 4], 3100)
    for (const i of [0, 5, 6, 17, 40, 63]) x.values[i] = Number.NaN
    const pooled = await runKernel('cpu', 'MaxPool', { x }, { filterSize: 2, strides: 2, pad: 'valid' })
    await compare(
      'MaxPoolGrad',
      { dy: random(pooled.out.shape, 3101), input: x, output: pooled.out },
      { filterSize: 2, strides: 2, pad: 'valid' },
      'NaN inputs',
    )
  })
})

describe('Identity on wasm', () => {
  it('shares the buffer: same values, independent lifetimes, nothing left after both are disposed', async () => {
    await tf.setBackend('wasm')
    const backend = tf.engine().backend
    const before = backend.numDataIds()
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ])
    const y = tf.engine().runKernel<tf.Tensor>(tf.Identity, { x })
    expect(backend.numDataIds()).toBe(before + 1) // no copy
    x.dispose()
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]) // outlives its source
    y.dispose()
    expect(backend.numDataIds()).toBe(before)
  })
})

describe('Sum on wasm', () => {
  it('matches cpu for leading-axis sums (bias gradients) and falls back for the rest', async () => {
    let seed = 4000
    const cases: { shape: number[]; axis: number | number[]; keepDims: boolean }[] = [
      { shape: [8, 6, 6, 5], axis: [0, 1, 2], keepDims: false },
      { shape: [8, 6, 6, 5], axis: [2, 0, 1], keepDims: true },
      { shape: [64, 10], axis: 0, keepDims: false },
      { shape: [3, 4, 5], axis: [0, 1], keepDims: false },
      { shape: [3, 4, 5], axis: [1, 2], keepDims: false },
      { shape: [3, 4, 5], axis: [0, 2], keepDims: true },
      { shape: [3, 4, 5], axis: [0, 1, 2], keepDims: false },
      { shape: [7], axis: 0, keepDims: false },
      { shape: [3, 4, 5], axis: -1, keepDims: false },
      // More rows than one float32 block of the native kernel, and a column count with a scalar tail.
      { shape: [300, 7], axis: 0, keepDims: false },
      { shape: [5, 40, 13, 6], axis: [0, 1, 2], keepDims: false },
    ]
    for (const c of cases) {
      await compare(
        'Sum',
        { x: random(c.shape, seed++) },
        { axis: c.axis, keepDims: c.keepDims },
        `sum ${c.shape.join('x')} over ${String(c.axis)}${c.keepDims ? ' keepDims' : ''}`,
      )
    }
  })
})

// The SIMD kernels of native/kernels.c, loaded into tfjs-backend-wasm's own memory: Transpose against
// tfjs' cpu reference, the transpose planner, and the fused Adam update against tfjs' AdamOptimizer.
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { NativeBackend } from '../../../src-main/engine/backend/wasm/native/module'
import { planPad, planReverse, planTranspose } from '../../../src-main/engine/backend/wasm/native/plans'
import { FusedAdamOptimizer } from '../../../src-main/engine/training/fused-adam'
import { initBackends, random, relativeError, runKernel } from './reference'

beforeAll(initBackends)

describe('Transpose on wasm', () => {
  it('matches cpu for every permutation of ranks 2 to 4, odd sizes and tile edges included', async () => {
    let seed = 5000
    const shapes = [
      [37, 70],
      [5, 1, 9],
      [3, 33, 34],
      [2, 3, 5, 7],
      [4, 1, 6, 9],
      [2, 40, 3, 35],
    ]
    let cases = 0
    for (const shape of shapes) {
      for (const perm of permutations(shape.length)) {
        const x = random(shape, seed++)
        const expected = await runKernel('cpu', 'Transpose', { x }, { perm })
        const actual = await runKernel('wasm', 'Transpose', { x }, { perm })
        const label = `${shape.join('x')} perm ${perm.join(',')}`
        expect(actual.out.shape, label).toEqual(expected.out.shape)
        expect(relativeError(actual.out, expected.out), label).toBe(0) // a transpose moves values exactly
        expect(actual.leaked, label).toBe(0)
        cases++
      }
    }
    expect(cases).toBe(2 + 6 * 2 + 24 * 3)
  })

  it('moves int32 values exactly, and ranks the native kernel cannot plan fall back to the stock kernel', async () => {
    await tf.setBackend('wasm')
    // Values above 2^24 would not survive a trip through float32.
    const values = Array.from({ length: 60 }, (_, i) => i * 1000003)
    const ints = tf.tensor3d(values, [3, 4, 5], 'int32')
    const t = tf.transpose(ints, [2, 0, 1])
    expect(t.dtype).toBe('int32')
    const moved: number[] = []
    for (let k = 0; k < 5; k++) for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) moved.push(values[(i * 4 + j) * 5 + k]!)
    expect(Array.from(await t.data())).toEqual(moved)
    tf.dispose([ints, t])
    const six = random([2, 3, 2, 3, 2, 3], 5100)
    const perm = [5, 3, 1, 4, 2, 0] // no two neighbours stay together: six axes
    expect(planTranspose(six.shape, perm)).toBeNull()
    const expected = await runKernel('cpu', 'Transpose', { x: six }, { perm })
    const actual = await runKernel('wasm', 'Transpose', { x: six }, { perm })
    expect(relativeError(actual.out, expected.out)).toBe(0)
  })
})

describe('Reverse on wasm', () => {
  it('matches cpu for every set of reversed axes of ranks 1 to 4', async () => {
    let seed = 5200
    for (const shape of [[37], [5, 9], [3, 1, 6], [4, 3, 5, 6], [1, 7, 2, 33]]) {
      for (let mask = 0; mask < 1 << shape.length; mask++) {
        const dims = shape.map((_, axis) => axis).filter((axis) => (mask >> axis) & 1)
        const x = random(shape, seed++)
        const expected = await runKernel('cpu', 'Reverse', { x }, { dims })
        const actual = await runKernel('wasm', 'Reverse', { x }, { dims })
        const label = `${shape.join('x')} dims ${dims.join(',')}`
        expect(actual.out.shape, label).toEqual(expected.out.shape)
        expect(relativeError(actual.out, expected.out), label).toBe(0)
        expect(actual.leaked, label).toBe(0)
      }
    }
  })

  it('plans a spatial flip of a filter as one reversed axis and one copied row', () => {
    // [3,3,32,64] flipped in kh and kw: the 9 taps run backwards, rows of 32x64 are copied whole.
    expect(planReverse([3, 3, 32, 64], [0, 1])).toEqual({
      n: [1, 1, 9, 2048],
      xs: [0, 0, -2048, 1],
      ys: [0, 0, 2048, 1],
      start: 8 * 2048,
    })
  })
})

describe('PadV2 on wasm', () => {
  it('matches cpu for paddings on any axes, constant values and empty inputs', async () => {
    let seed = 5400
    const cases: { shape: number[]; paddings: [number, number][]; value: number }[] = [
      {
        shape: [32, 9, 9, 3],
        paddings: [
          [0, 0],
          [0, 1],
          [0, 1],
          [0, 0],
        ],
        value: 0,
      }, // ZeroPadding2D of a stride-2 block
      {
        shape: [2, 5, 6, 4],
        paddings: [
          [0, 0],
          [2, 1],
          [1, 3],
          [0, 0],
        ],
        value: 0,
      },
      {
        shape: [2, 5, 6, 4],
        paddings: [
          [1, 0],
          [0, 0],
          [0, 0],
          [2, 2],
        ],
        value: -Infinity,
      },
      { shape: [7], paddings: [[3, 4]], value: 1.5 },
      {
        shape: [3, 4],
        paddings: [
          [0, 0],
          [0, 0],
        ],
        value: 9,
      },
      {
        shape: [2, 3, 2, 3, 2],
        paddings: [
          [1, 0],
          [0, 1],
          [1, 0],
          [0, 1],
          [1, 1],
        ],
        value: 2,
      }, // five axes: stock kernel
      {
        shape: [0, 3],
        paddings: [
          [1, 1],
          [0, 2],
        ],
        value: 4,
      },
      {
        shape: [1, 3, 3, 20],
        paddings: [
          [0, 0],
          [1, 1],
          [1, 1],
          [0, 0],
        ],
        value: 0,
      }, // 20 channels: stock kernel
    ]
    for (const c of cases) {
      const x = random(c.shape, seed++)
      const attrs = { paddings: c.paddings, constantValue: c.value }
      const expected = await runKernel('cpu', 'PadV2', { x }, attrs)
      const actual = await runKernel('wasm', 'PadV2', { x }, attrs)
      const label = `${c.shape.join('x')} pad ${JSON.stringify(c.paddings)}`
      expect(actual.out.shape, label).toEqual(expected.out.shape)
      expect(Array.from(actual.out.values), label).toEqual(Array.from(expected.out.values))
      expect(actual.leaked, label).toBe(0)
    }
  })

  it('plans a spatial pad as rows of whole pixels', () => {
    // [2,5,6,4] padded by 2/1 rows and 1/3 columns: the channel axis joins the column axis.
    expect(
      planPad(
        [2, 5, 6, 4],
        [
          [0, 0],
          [2, 1],
          [1, 3],
          [0, 0],
        ],
      ),
    ).toEqual({ n: [1, 2, 5, 24], pads: [0, 0, 0, 0, 2, 1, 4, 12] })
    // A batch pad with unpadded inner axes is one axis of whole images.
    expect(
      planPad(
        [2, 5, 6, 4],
        [
          [1, 0],
          [0, 0],
          [0, 0],
          [0, 0],
        ],
      ),
    ).toEqual({ n: [1, 1, 1, 240], pads: [0, 0, 0, 0, 0, 0, 120, 0] })
  })
})

describe('NativeBackend', () => {
  it('loads into the wasm backend once per memory and refuses other backends with the kernel named', async () => {
    await tf.setBackend('wasm')
    const a = new NativeBackend(tf.backend(), 'Test')
    expect(new NativeBackend(tf.backend(), 'Test').kernels).toBe(a.kernels)
    await tf.setBackend('cpu')
    expect(() => new NativeBackend(tf.backend(), 'SomeKernel')).toThrow('SomeKernel: the active backend is not tfjs-backend-wasm')
  })
})

describe('planTranspose', () => {
  it('merges axes that stay neighbours and drops axes of size 1', () => {
    // NHWC -> CHWN is [N, HW, C] -> [C, HW, N]; the input's contiguous axis (C) goes second-innermost.
    expect(planTranspose([64, 32, 32, 3], [3, 1, 2, 0])).toEqual({
      n: [1, 1024, 3, 64],
      xs: [0, 3, 1, 3072],
      ys: [0, 64, 65536, 1],
      start: 0,
    })
    // NHWC -> HWNC keeps C innermost: rows of C are copied whole.
    expect(planTranspose([64, 16, 16, 32], [1, 2, 0, 3])).toEqual({
      n: [1, 256, 64, 32],
      xs: [0, 32, 8192, 1],
      ys: [0, 2048, 32, 1],
      start: 0,
    })
    // [1,5,1,7] -> [7,1,5,1] is a plain [5,7] -> [7,5] transpose.
    expect(planTranspose([1, 5, 1, 7], [3, 2, 1, 0])).toEqual({ n: [1, 1, 7, 5], xs: [0, 0, 1, 7], ys: [0, 0, 5, 1], start: 0 })
  })
})

describe('FusedAdamOptimizer', () => {
  async function train(optimizer: tf.Optimizer, steps: number): Promise<{ losses: number[]; weights: Float32Array[] }> {
    const x = random([8, 12], 6000)
    const y = random([8, 3], 6001)
    const w = tf.variable(tf.tensor2d(random([12, 3], 6002).values, [12, 3]), true, `w${Math.random()}`)
    const b = tf.variable(tf.zeros([3]), true, `b${Math.random()}`)
    const xs = tf.tensor2d(x.values, [8, 12])
    const ys = tf.tensor2d(y.values, [8, 3])
    const losses: number[] = []
    for (let i = 0; i < steps; i++) {
      const loss = optimizer.minimize(() => tf.losses.meanSquaredError(ys, tf.add(tf.matMul(xs, w), b)), true, [w, b])
      losses.push((await loss!.data())[0]!)
      loss!.dispose()
    }
    const weights = [(await w.data()) as Float32Array, (await b.data()) as Float32Array]
    tf.dispose([w, b, xs, ys])
    return { losses, weights }
  }

  it('on wasm, follows tfjs AdamOptimizer step for step (same float32 operations)', async () => {
    await tf.setBackend('wasm')
    const count = (): number => tf.memory().numTensors
    const stockAdam = tf.train.adam(0.05, 0.9, 0.999, 1e-7)
    let before = count()
    const a = await train(stockAdam, 20)
    const stockKept = count() - before // the moments and beta powers
    const fused = new FusedAdamOptimizer(0.05, 0.9, 0.999, 1e-7)
    before = count()
    const f = await train(fused, 20)
    expect(count() - before).toBe(stockKept) // no tensor left behind by the fused steps
    expect(a.losses[19]).toBeLessThan(a.losses[0]! / 2) // it learns
    for (let i = 0; i < 20; i++) expect(Math.abs(f.losses[i]! - a.losses[i]!)).toBeLessThanOrEqual(1e-6 * a.losses[i]!)
    for (let k = 0; k < 2; k++) {
      const diff = f.weights[k]!.reduce((m, v, i) => Math.max(m, Math.abs(v - a.weights[k]![i]!)), 0)
      expect(diff).toBeLessThan(1e-6)
    }
    // Same slots under the same names: a checkpoint of one restores into the other.
    const names = async (o: tf.Optimizer): Promise<string[]> =>
      (await o.getWeights()).map((w) => w.name.replace(/^w[\d.]+|^b[\d.]+/, 'var'))
    expect(await names(fused)).toEqual(await names(stockAdam))
    expect(fused.iterations).toBe(20)
    stockAdam.dispose()
    fused.dispose()
  })

  it('falls back to tfjs AdamOptimizer on backends without the fused kernel', async () => {
    await tf.setBackend('cpu')
    const stockAdam = await train(tf.train.adam(0.05, 0.9, 0.999, 1e-7), 5)
    const fused = await train(new FusedAdamOptimizer(0.05, 0.9, 0.999, 1e-7), 5)
    expect(fused.losses).toEqual(stockAdam.losses)
  })
})

function permutations(n: number): number[][] {
  if (n === 1) return [[0]]
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]))
}

describe('ReLU and ReLU6 gradients on wasm', () => {
  it('equal tfjs’ Step/LessEqual/Cast/Multiply formulas on cpu, boundaries, NaN and infinite dy included', async () => {
    const x = random([3, 7, 5, 6], 7000)
    x.values = x.values.map((v) => v * 8) // spans below 0, (0, 6] and above 6
    x.values.set([0, 6, Number.NaN, -0, 6.000001, Number.POSITIVE_INFINITY], 0)
    const dy = random([3, 7, 5, 6], 7001)
    dy.values.set([Number.POSITIVE_INFINITY, Number.NaN, 1, 1, Number.NEGATIVE_INFINITY, 2], 6)
    for (const op of [tf.relu, tf.relu6] as const) {
      const grads: Float32Array[] = []
      for (const backend of ['cpu', 'wasm'] as const) {
        await tf.setBackend(backend)
        const before = tf.memory().numTensors
        const xt = tf.tensor(x.values, x.shape)
        const dyt = tf.tensor(dy.values, dy.shape)
        const g = tf.grad((t: tf.Tensor) => op(t))(xt, dyt)
        grads.push((await g.data()) as Float32Array)
        tf.dispose([xt, dyt, g])
        expect(tf.memory().numTensors).toBe(before)
      }
      const [cpu, wasm] = grads as [Float32Array, Float32Array]
      // Bit for bit: same NaNs, same signed zeros.
      expect(Array.from(wasm).map(String)).toEqual(Array.from(cpu).map(String))
      expect(Object.is(wasm[9], cpu[9])).toBe(true)
    }
  })
})

// Adam on native TensorFlow (ResourceApplyAdam on resource variables) against tfjs' own AdamOptimizer
// on the same backend: the same trajectory, the same checkpointable slots, weights changed from
// outside between steps honoured, and nothing left behind once the optimizer is disposed.
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { loadNative } from '../../../src-main/engine/backend/detect'
import { FusedAdamOptimizer } from '../../../src-main/engine/training/fused-adam'
import { nativeSkipReason, runNativeTests } from '../support/native-backend'
import { random } from './reference'

if (!runNativeTests) console.warn(`skipping the native Adam tests: ${nativeSkipReason}`)

interface Problem {
  w: tf.Variable
  b: tf.Variable
  loss(): tf.Scalar
  dispose(): void
}

let problemId = 0

function problem(): Problem {
  const id = problemId++
  const xs = tf.tensor2d(random([16, 12], 8000).values, [16, 12])
  const ys = tf.tensor2d(random([16, 3], 8001).values, [16, 3])
  // In tidy: the initial values are disposed, the variables kept.
  const w = tf.tidy(() => tf.variable(tf.tensor2d(random([12, 3], 8002).values, [12, 3]), true, `adam_native_w${id}`))
  const b = tf.tidy(() => tf.variable(tf.zeros([3]), true, `adam_native_b${id}`))
  return {
    w,
    b,
    loss: () => tf.losses.meanSquaredError<tf.Tensor, tf.Scalar>(ys, tf.add(tf.matMul(xs, w), b)),
    dispose: () => tf.dispose([xs, ys, w, b]),
  }
}

async function steps(optimizer: tf.Optimizer, p: Problem, n: number): Promise<number[]> {
  const losses: number[] = []
  for (let i = 0; i < n; i++) {
    const loss = optimizer.minimize(() => p.loss(), true, [p.w, p.b])!
    losses.push((await loss.data())[0]!)
    loss.dispose()
  }
  return losses
}

async function values(p: Problem): Promise<Float32Array[]> {
  return [(await p.w.data()) as Float32Array, (await p.b.data()) as Float32Array]
}

function maxDiff(a: Float32Array[], b: Float32Array[]): number {
  return Math.max(...a.map((x, k) => x.reduce((m, v, i) => Math.max(m, Math.abs(v - b[k]![i]!)), 0)))
}

describe.skipIf(!runNativeTests)('Adam on native TensorFlow', () => {
  beforeAll(async () => {
    const reason = await loadNative('tensorflow')
    if (reason) throw new Error(reason)
    await tf.setBackend('tensorflow')
  })

  it('follows tfjs AdamOptimizer step for step and leaves no tensor behind', async () => {
    const stock = problem()
    const stockAdam = tf.train.adam(0.05, 0.9, 0.999, 1e-7)
    const reference = await steps(stockAdam, stock, 30)
    const before = tf.memory().numTensors
    const fused = problem()
    const fusedAdam = new FusedAdamOptimizer(0.05, 0.9, 0.999, 1e-7)
    const losses = await steps(fusedAdam, fused, 30)
    expect(reference[29]).toBeLessThan(reference[0]! / 2) // it learns
    // TensorFlow adds epsilon before the bias correction: the same update, rounded differently.
    for (let i = 0; i < 30; i++) expect(Math.abs(losses[i]! - reference[i]!)).toBeLessThanOrEqual(1e-5 * reference[i]!)
    expect(maxDiff(await values(fused), await values(stock))).toBeLessThan(1e-5)
    // The same slots under the same names, holding the same moments.
    const [a, b] = [await stockAdam.getWeights(), await fusedAdam.getWeights()]
    expect(b.map((w) => w.name.replace(/\d+/g, ''))).toEqual(a.map((w) => w.name.replace(/\d+/g, '')))
    for (let i = 0; i < a.length; i++) {
      const [x, y] = [await a[i]!.tensor.data(), await b[i]!.tensor.data()]
      expect(maxDiff([y as Float32Array], [x as Float32Array]), a[i]!.name).toBeLessThan(1e-5)
    }
    expect(fusedAdam.iterations).toBe(30)
    tf.dispose([a[0]!.tensor, b[0]!.tensor]) // the iteration counts, created by getWeights
    fusedAdam.dispose()
    fused.dispose()
    expect(tf.memory().numTensors).toBe(before)
    stockAdam.dispose()
    stock.dispose()
  })

  it('resumes from its own getWeights exactly where the uninterrupted run goes', async () => {
    const run = problem()
    const adam = new FusedAdamOptimizer(0.05, 0.9, 0.999, 1e-7)
    await steps(adam, run, 12)
    // A checkpoint at step 12: model weights and the optimizer's slots, as the trainer saves them.
    const weights = [tf.clone(run.w), tf.clone(run.b)]
    const slots = (await adam.getWeights()).map((w) => ({ name: w.name, tensor: tf.clone(w.tensor) }))
    await steps(adam, run, 8)
    const expected = await values(run)

    const resumed = problem()
    resumed.w.assign(weights[0]!)
    resumed.b.assign(weights[1]!)
    const resumedAdam = new FusedAdamOptimizer(0.05, 0.9, 0.999, 1e-7)
    await resumedAdam.setWeights(slots)
    expect(resumedAdam.iterations).toBe(12)
    await steps(resumedAdam, resumed, 8)
    expect(maxDiff(await values(resumed), expected)).toBe(0)
    tf.dispose([...weights, ...slots.map((s) => s.tensor)])
    for (const o of [adam, resumedAdam]) o.dispose()
    for (const p of [run, resumed]) p.dispose()
  })

  it('trains from weights assigned between steps (restored best weights), not from its own copy', async () => {
    const p = problem()
    const adam = new FusedAdamOptimizer(0.05, 0.9, 0.999, 1e-7)
    await steps(adam, p, 5)
    p.w.assign(tf.zerosLike(p.w))
    p.b.assign(tf.onesLike(p.b))
    // One step from w = 0, b = 1 moves each entry by at most about the learning rate.
    await steps(adam, p, 1)
    const [w, b] = await values(p)
    expect(Math.max(...w!.map(Math.abs))).toBeLessThan(0.06)
    expect(Math.max(...b!.map((x) => Math.abs(x - 1)))).toBeLessThan(0.06)
    adam.dispose()
    p.dispose()
  })
})

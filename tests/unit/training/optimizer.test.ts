import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { readCheckpointState, restoreOptimizer, saveCheckpoint } from '../../../src-main/engine/training/checkpoint'
import { setLearningRate } from '../../../src-main/engine/training/optimizer-kinds'
import { createOptimizer } from '../../../src-main/engine/training/optimizer'

describe('learning rate changes (ReduceLROnPlateau)', () => {
  it.each(['adam', 'sgd', 'rmsprop'] as const)('%s takes the new rate and uses it in the next step', (kind) => {
    const optimizer = createOptimizer(kind, 0.1)
    const w = tf.variable(tf.tensor1d([1]))
    const step = () => {
      const before = w.dataSync()[0]!
      optimizer.minimize(() => tf.sum<tf.Scalar>(tf.square(w)))
      return Math.abs(w.dataSync()[0]! - before)
    }
    const first = step()
    setLearningRate(optimizer, 0.001)
    expect((optimizer as unknown as { learningRate: number }).learningRate).toBe(0.001)
    // Every optimizer here moves about in proportion to its rate: a 100x smaller rate, a much smaller step.
    expect(step()).toBeLessThan(first / 20)
    optimizer.dispose()
    w.dispose()
  })
})

describe('an optimizer restored from a checkpoint', () => {
  it.each(['adam', 'rmsprop', 'sgd'] as const)('%s continues bit for bit as if never interrupted', async (kind) => {
    const dir = join(mkdtempSync(join(tmpdir(), 'optimizer-resume-')), 'checkpoint')
    const model = () => {
      const m = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'd', kernelInitializer: 'ones' })] })
      return m
    }
    const x = tf.tensor2d([
      [0.3, -1.2, 2.5],
      [1.1, 0.4, -0.7],
    ])
    const step = (m: tf.LayersModel, o: tf.Optimizer) => o.minimize(() => tf.sum<tf.Scalar>(tf.square(m.predict(x) as tf.Tensor)))
    const straight = model()
    const straightOpt = createOptimizer(kind, 0.01)
    for (let i = 0; i < 12; i++) step(straight, straightOpt)

    const first = model()
    const firstOpt = createOptimizer(kind, 0.01)
    for (let i = 0; i < 5; i++) step(first, firstOpt)
    const progress = {
      runId: 'r',
      configHash: 'h',
      phaseIndex: 0,
      phase: 'train' as const,
      phaseEpochs: 1,
      phaseDone: false,
      epoch: 1,
      step: 5,
      learningRate: 0.01,
      earlyStopping: null,
      reduceLr: null,
      history: [],
      rng: { shuffleSeed: 1, augmentSeed: 1 },
    }
    const saved = await saveCheckpoint(dir, first, firstOpt, null, progress)
    const resumed = model()
    resumed.setWeights(first.getWeights())
    const resumedOpt = createOptimizer(kind, 0.01)
    await restoreOptimizer(saved.dir, (await readCheckpointState(saved.dir))!, resumedOpt)
    for (let i = 0; i < 7; i++) step(resumed, resumedOpt)
    expect(Array.from(resumed.getWeights()[0]!.dataSync())).toEqual(Array.from(straight.getWeights()[0]!.dataSync()))
    rmSync(join(dir, '..'), { recursive: true, force: true })
  })
})

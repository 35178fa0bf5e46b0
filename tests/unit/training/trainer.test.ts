import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig, type ExperimentConfigInput } from '@shared/domain/config'
import * as tf from '../../../src-main/engine/tf'
import { modelForward } from '../../../src-main/engine/training/forward'
import { PixelSplit } from '../../../src-main/engine/training/sources'
import { setLearningRate } from '../../../src-main/engine/training/optimizer-kinds'
import { createOptimizer } from '../../../src-main/engine/training/optimizer'
import { NonFiniteLossError, train, type PhaseSetup, type TrainerHooks } from '../../../src-main/engine/training/trainer'
import { readCheckpointState, restoreModel } from '../../../src-main/engine/training/checkpoint'
import { allWeights } from '../../../src-main/engine/training/weights'
import { missingShared } from '../../support/shared-data'
import { CIFAR_ARCHIVE, loadCifarSubset, syntheticCifar, type Subset } from './fixtures'

/**
 * A tiny seeded network built inline, so the loop is tested on its own and fast on the cpu backend
 * (the real architectures are exercised in the run tests).
 */
function tinyCnn(seed: number): tf.LayersModel {
  const init = (s: number) => tf.initializers.glorotUniform({ seed: seed + s })
  return tf.sequential({
    layers: [
      tf.layers.averagePooling2d({ inputShape: [32, 32, 3], poolSize: 4, name: 'p1' }),
      tf.layers.flatten({ name: 'f' }),
      tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(1), name: 'hidden' }),
      tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(2), name: 'out' }),
    ],
  })
}

function config(overrides: Partial<ExperimentConfigInput['training']> = {}): ExperimentConfig {
  return ExperimentConfig.parse({
    name: 'trainer test',
    data: { datasetId: 'subset' },
    model: { kind: 'scratch' },
    training: { epochs: 3, batchSize: 32, learningRate: 3e-3, seed: 3, ...overrides },
  })
}

// The same loop tests on generated images (everywhere) and on a real CIFAR-10 subset (second tier).
const tiers = [
  { name: 'generated images', skip: null, load: () => Promise.resolve(syntheticCifar({ train: 24, test: 4 })) },
  {
    name: 'real CIFAR-10 images',
    skip: missingShared('the trainer tests on real CIFAR-10', CIFAR_ARCHIVE),
    load: () => loadCifarSubset({ train: 24, test: 4 }),
  },
]

for (const { name, skip, load } of tiers)
  describe.skipIf(skip !== null)(`trainer loop on ${name}`, () => {
    let data: { train: Subset; test: Subset }
    let dir: string
    beforeAll(async () => {
      await tf.setBackend('cpu')
      data = await load()
      dir = mkdtempSync(join(tmpdir(), 'trainer-'))
    })
    afterAll(() => rmSync(dir, { recursive: true, force: true }))

    const split = (indices: number[]) =>
      new PixelSplit({
        images: data.train.images,
        labels: data.train.labels,
        height: 32,
        width: 32,
        indices: Int32Array.from(indices),
        preprocessing: 'unit',
        inputSize: 32,
      })
    // 20 per class for training, 4 per class for validation.
    const trainIdx = () => Array.from({ length: 240 }, (_, i) => i).filter((i) => i % 24 < 20)
    const valIdx = () => Array.from({ length: 240 }, (_, i) => i).filter((i) => i % 24 >= 20)

    function hooks(
      model: tf.LayersModel,
      extra: Partial<TrainerHooks> = {},
    ): TrainerHooks & { tensors: number[]; losses: number[] } {
      const tensors: number[] = []
      const losses: number[] = []
      const setup: PhaseSetup = {
        model,
        forward: modelForward(model),
        train: split(trainIdx()),
        validation: split(valIdx()),
        augmentFor: null,
      }
      return {
        tensors,
        losses,
        setupPhase: () => setup,
        onEpoch: (p) => {
          tensors.push(tf.memory().numTensors)
          losses.push(p.metric.loss)
        },
        isCancelled: () => false,
        ...extra,
      }
    }

    it('the loss falls, and the tensor count after every epoch equals that after the first', async () => {
      const model = tinyCnn(1)
      const h = hooks(model)
      const result = await train({
        config: config({ epochs: 4 }),
        runId: 'r1',
        configHash: 'h',
        hooks: h,
        checkpointDir: join(dir, 'ck1'),
        resume: null,
      })
      expect(result.status).toBe('completed')
      expect(result.history).toHaveLength(4)
      expect(h.losses.at(-1)!).toBeLessThan(h.losses[0]!)
      expect(new Set(h.tensors).size).toBe(1)
      for (const m of result.history) {
        expect(m.valAccuracy).not.toBeNull()
        expect(m.phase).toBe('train')
      }
      model.dispose()
    })

    it('a loss that overflows to NaN/Infinity fails the run with a clear message', async () => {
      // Weights of 1e37 overflow float32 in the logits (Infinity - Infinity = NaN in the softmax),
      // the state a far too high learning rate drives a network into.
      const model = tf.sequential({
        layers: [
          tf.layers.flatten({ inputShape: [32, 32, 3] }),
          tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: tf.initializers.constant({ value: 0 }) }),
        ],
      })
      const labels = allWeights(model)[0]!.variable
      labels.write(tf.tidy(() => tf.mul(tf.randomNormal(labels.shape as number[], 0, 1, 'float32', 5), 1e37)))
      const run = train({
        config: config({ learningRate: 1, epochs: 2 }),
        runId: 'r2',
        configHash: 'h',
        hooks: hooks(model),
        checkpointDir: null,
        resume: null,
      })
      await expect(run).rejects.toBeInstanceOf(NonFiniteLossError)
      await expect(run).rejects.toThrow(/loss became (NaN|Infinity).*epoch 1, batch 1; lower the learning rate/)
      model.dispose()
    })

    it('early stopping stops after patience and restores the best weights', async () => {
      const model = tinyCnn(3)
      const snapshots: Float32Array[][] = []
      const h = hooks(model, {
        onEpoch: () => void snapshots.push(allWeights(model).map((w) => w.variable.read().dataSync() as Float32Array)),
      })
      // minDelta 10 means no epoch after the first can improve: stop after epoch 1 + patience 1.
      const cfg = config({
        epochs: 6,
        earlyStopping: { enabled: true, monitor: 'val_loss', patience: 1, minDelta: 10, restoreBestWeights: true },
      })
      const result = await train({ config: cfg, runId: 'r3', configHash: 'h', hooks: h, checkpointDir: null, resume: null })
      expect(result.history).toHaveLength(3)
      const now = allWeights(model).map((w) => w.variable.read().dataSync() as Float32Array)
      const same = (a: Float32Array[], b: Float32Array[]) =>
        a.every((w, i) => Buffer.from(w.buffer).equals(Buffer.from(b[i]!.buffer)))
      // Epoch 2 changed the weights; the end state is epoch 1's, bit for bit.
      expect(same(snapshots[1]!, snapshots[0]!)).toBe(false)
      expect(same(now, snapshots[0]!)).toBe(true)
      model.dispose()
    })

    it('a cancelled run resumes from its checkpoint and ends like an uninterrupted one', async () => {
      const cfg = config({ epochs: 3 })
      const full = tinyCnn(4)
      const reference = await train({
        config: cfg,
        runId: 'r4',
        configHash: 'h',
        hooks: hooks(full),
        checkpointDir: join(dir, 'ref'),
        resume: null,
      })

      const first = tinyCnn(4)
      let epochsSeen = 0
      const cancelling = hooks(first, { onEpoch: () => void epochsSeen++, isCancelled: () => epochsSeen >= 2 })
      const ckDir = join(dir, 'ck4')
      const cancelled = await train({
        config: cfg,
        runId: 'r4',
        configHash: 'h',
        hooks: cancelling,
        checkpointDir: ckDir,
        resume: null,
      })
      expect(cancelled.status).toBe('cancelled')
      expect(cancelled.history).toHaveLength(2)

      const second = tinyCnn(99) // different init: the checkpoint must overwrite every weight
      const state = (await readCheckpointState(ckDir))!
      expect(state.epoch).toBe(2)
      const best = await restoreModel(ckDir, state, second)
      const resumed = await train({
        config: cfg,
        runId: 'r4',
        configHash: 'h',
        hooks: hooks(second),
        checkpointDir: ckDir,
        resume: { state, best },
      })
      expect(resumed.status).toBe('completed')
      expect(resumed.history.map((m) => m.epoch)).toEqual([1, 2, 3])
      // Same shuffles and same Adam state: the third epoch's loss matches the uninterrupted run.
      expect(resumed.history[2]!.loss).toBeCloseTo(reference.history[2]!.loss, 5)
      expect(resumed.history[2]!.valLoss!).toBeCloseTo(reference.history[2]!.valLoss!, 5)
      for (const m of [full, first, second]) m.dispose()
    })
  })

describe('the learning rate, changed in place', () => {
  // A first step moves w by exactly what the learning rate makes it (Adam: lr·g/|g|), so a step
  // after setLearningRate must equal the first step of an optimizer created at the new rate.
  for (const kind of ['adam', 'sgd', 'rmsprop'] as const) {
    it(`${kind}: a step after setLearningRate equals a step of an optimizer made at that rate`, async () => {
      await tf.setBackend('cpu')
      const firstStep = (lr: number, changeTo: number | null) => {
        const w = tf.variable(tf.scalar(0))
        const optimizer = createOptimizer(kind, lr)
        if (changeTo !== null) setLearningRate(optimizer, changeTo)
        optimizer.minimize(() => tf.mul<tf.Scalar>(w, 3), false, [w])
        const moved = w.dataSync()[0]!
        optimizer.dispose()
        w.dispose()
        return moved
      }
      const changed = firstStep(0.1, 0.01)
      expect(changed).toBe(firstStep(0.01, null))
      expect(changed).not.toBe(firstStep(0.1, null))
    })
  }

  it("ReduceLROnPlateau halves an Adam run's rate after each epoch that does not improve on the first", async () => {
    await tf.setBackend('cpu')
    const data = syntheticCifar({ train: 4, test: 1 })
    const split = new PixelSplit({
      images: data.train.images,
      labels: data.train.labels,
      height: 32,
      width: 32,
      indices: Int32Array.from({ length: 40 }, (_, i) => i),
      preprocessing: 'unit',
      inputSize: 32,
    })
    const model = tinyCnn(5)
    // A rate this small cannot flip a prediction: validation accuracy never improves after epoch 1.
    const cfg = config({
      epochs: 4,
      learningRate: 1e-12,
      reduceLrOnPlateau: { enabled: true, monitor: 'val_accuracy', patience: 0, factor: 0.5, minLr: 0 },
    })
    const hooks: TrainerHooks = {
      setupPhase: () => ({ model, forward: modelForward(model), train: split, validation: split, augmentFor: null }),
      isCancelled: () => false,
    }
    const result = await train({ config: cfg, runId: 'lr', configHash: 'h', hooks, checkpointDir: null, resume: null })
    expect(result.history.map((m) => m.valAccuracy)).toEqual(Array(4).fill(result.history[0]!.valAccuracy))
    expect(result.history.map((m) => m.learningRate)).toEqual([1e-12, 1e-12, 5e-13, 2.5e-13])
    model.dispose()
  })
})

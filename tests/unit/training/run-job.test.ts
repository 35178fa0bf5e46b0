import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig, type ExperimentConfigInput } from '@shared/domain/config'
import type { EpochMetric, Evaluation } from '@shared/domain/run'
import { RunJob, type WorkerMessage } from '../../../src-main/engine/training/messages'
import { FineTuneConfig } from '@shared/domain/config'
import { deriveFineTuneParams } from '@shared/domain/training-phases'
import { runJob } from '../../../src-main/engine/training/run-job'
import { missingShared } from '../../support/shared-data'
import { CIFAR_ARCHIVE, MOBILENET } from './fixtures'
import { makeWorkspace, type Workspace } from './workspace'

interface Outcome {
  messages: WorkerMessage[]
  epochs: EpochMetric[]
  evaluation: Evaluation | null
  done: Extract<WorkerMessage, { type: 'done' }>
}

/** float32 weights of a LayersModel folder by weight name (single- or multi-shard). */
function readWeights(dir: string): Map<string, Float32Array> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as {
    weightsManifest: Array<{ paths: string[]; weights: Array<{ name: string; shape: number[]; dtype: string }> }>
  }
  const out = new Map<string, Float32Array>()
  for (const group of json.weightsManifest) {
    const bytes = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))))
    let offset = 0
    for (const w of group.weights) {
      const n = w.shape.reduce((a, b) => a * b, 1)
      out.set(w.name, new Float32Array(bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + n * 4)))
      offset += n * 4
    }
  }
  return out
}

/**
 * The same runs on generated data with a generated base (everywhere) and on real CIFAR-10 images with
 * the shared MobileNetV2 (second tier). Each names the base layers fine-tuning with `trainableLayers`
 * unfreezes, and the exact boundary before them whose activations fine-tuning caches.
 */
const tiers = [
  {
    name: 'generated images and a generated base',
    skip: null,
    workspace: () => makeWorkspace({ perBatch: 40 }),
    fineTune: {
      trainableLayers: 4,
      layers: ['head_conv', 'block_3_project', 'block_3_expand', 'block_2_project'],
      boundary: 'block_1_add',
      minFrozen: 8,
    },
  },
  {
    name: 'real CIFAR-10 images and MobileNetV2',
    skip: missingShared('the run tests on real CIFAR-10 and MobileNetV2', CIFAR_ARCHIVE, MOBILENET),
    workspace: () => makeWorkspace({ real: { train: 20, test: 4 } }),
    // The last 4 weighted layers of the base up to head_relu; block_16_expand reads block_15_add.
    fineTune: {
      trainableLayers: 4,
      layers: ['head_conv', 'block_16_project', 'block_16_depthwise', 'block_16_expand'],
      boundary: 'block_15_add',
      minFrozen: 51,
    },
  },
]

for (const tier of tiers)
  describe.skipIf(tier.skip !== null)(
    `a whole run in-process on ${tier.name} (dataset cache, models, evaluation, export)`,
    () => {
      let ws: Workspace
      beforeAll(async () => {
        ws = await tier.workspace()
      })
      afterAll(async () => ws?.dispose())

      let counter = 0
      async function run(
        model: ExperimentConfigInput['model'],
        training: ExperimentConfigInput['training'],
        extra: Partial<RunJob> = {},
        splitSeed = 42,
      ): Promise<Outcome> {
        const config = ExperimentConfig.parse({
          name: 'run test',
          data: { datasetId: ws.dataset.id, validationSplit: 0.2, splitSeed },
          model,
          training,
        })
        const job = RunJob.parse({
          runId: `job-${++counter}`,
          dataDir: ws.dir,
          config,
          configHash: 'test',
          dataset: ws.dataset,
          base: model.kind === 'transfer' ? ws.base : null,
          resume: false,
          backend: null,
          threads: null,
          appVersion: 'test',
          batchThrottleMs: 0,
          ...extra,
        })
        const messages: WorkerMessage[] = []
        await runJob(
          job,
          (m) => messages.push(m),
          () => false,
        )
        const done = messages.at(-1) as Outcome['done']
        expect(done.type).toBe('done')
        const epochs = messages.flatMap((m) => (m.type === 'progress' && m.event.type === 'epoch' ? [m.event.metric] : []))
        const evaluation =
          messages.flatMap((m) => (m.type === 'progress' && m.event.type === 'evaluation' ? [m.event.evaluation] : []))[0] ?? null
        return { messages, epochs, evaluation, done }
      }

      it('the Seed CNN trains from scratch: loss falls, evaluation and model export are complete', async () => {
        const out = await run({ kind: 'scratch' }, { epochs: 3, batchSize: 16, seed: 1 })
        expect(out.done).toMatchObject({ status: 'completed' })
        expect(out.epochs.at(-1)!.loss).toBeLessThan(out.epochs[0]!.loss)
        const ev = out.evaluation!
        expect(ev.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(40)
        expect(ev.perClass).toHaveLength(10)
        expect(ev.overfitting?.lowestValLossEpoch).toBeGreaterThanOrEqual(1)
        for (const m of ev.mistakes) expect(m.index).toBeLessThan(40)
        const started = out.messages.find((m) => m.type === 'started')!
        expect(started).toMatchObject({ info: { sizes: { train: 160, validation: 40, test: 40 } } })
        const model = out.messages.find((m) => m.type === 'artifact' && m.artifact.kind === 'model')
        expect(model).toBeTruthy()
      })

      it('transfer: phase 1 leaves the frozen base bit-identical, fine-tuning changes only its last layers', async () => {
        const out = await run(
          {
            kind: 'transfer',
            baseId: ws.base.id,
            inputSize: 32,
            headDropout: 0,
            fineTune: { enabled: true, epochs: 1, learningRate: 1e-3, trainableLayers: tier.fineTune.trainableLayers },
          },
          { epochs: 2, batchSize: 16, seed: 2 },
        )
        expect(out.done).toMatchObject({ status: 'completed' })
        expect(out.epochs.map((e) => e.phase)).toEqual(['train', 'train', 'finetune'])
        expect(out.epochs[1]!.loss).toBeLessThan(out.epochs[0]!.loss)
        const base = readWeights(ws.baseDir)
        const trained = readWeights(join(ws.dir, 'runs', 'job-2', 'model'))
        const fineTuned = tier.fineTune.layers
        let frozenCompared = 0
        for (const [name, original] of base) {
          const after = trained.get(name)
          if (!after) continue
          const same = Buffer.from(after.buffer).equals(Buffer.from(original.buffer))
          if (fineTuned.some((l) => name.startsWith(`${l}/`))) expect(same, `${name} should have changed`).toBe(false)
          else {
            expect(same, `${name} should be bit-identical`).toBe(true)
            frozenCompared++
          }
        }
        expect(frozenCompared).toBeGreaterThanOrEqual(tier.fineTune.minFrozen)
        // Each phase records what it trained and kept frozen: phase 1 as the summary, phase 2 with the tail unfrozen.
        const summary = out.messages.flatMap((m) => (m.type === 'started' ? [m.info.modelSummary] : []))[0]!
        const params = out.messages.flatMap((m) => (m.type === 'phaseParams' ? [m.params] : []))
        expect(params.map((p) => p.phase)).toEqual(['train', 'finetune'])
        expect(params[0]).toEqual({
          phase: 'train',
          trainableParams: summary.trainableParams,
          frozenParams: summary.nonTrainableParams,
          unfrozenLayers: 0,
          firstUnfrozenLayer: null,
        })
        expect(params[1]).toMatchObject({ unfrozenLayers: fineTuned.length, firstUnfrozenLayer: fineTuned.at(-1) })
        expect(params[1]!.trainableParams + params[1]!.frozenParams).toBe(summary.totalParams)
        expect(
          deriveFineTuneParams(summary, {
            ...FineTuneConfig.parse({ enabled: true, trainableLayers: tier.fineTune.trainableLayers }),
          }),
        ).toEqual(params[1])
      })

      it('the feature cache: the second run hits it, and both match a run without it', async () => {
        const model = { kind: 'transfer' as const, baseId: ws.base.id, inputSize: 32 as const, headDropout: 0 }
        const training = { epochs: 2, batchSize: 16, seed: 3 }
        // Its own split seed: the fine-tuning test above already cached features of the default splits.
        const first = await run(model, training, {}, 7)
        const second = await run(model, training, {}, 7)
        const uncached = await run(model, training, { featureCache: false }, 7)
        const stage = (o: Outcome) =>
          o.messages.flatMap((m) => (m.type === 'features' && m.stage !== 'computing' ? [m.stage] : []))
        expect(stage(first)).toEqual(['stored'])
        expect(stage(second)).toEqual(['hit'])
        expect(stage(uncached)).toEqual([])
        for (const o of [first, second, uncached]) expect(o.done.status).toBe('completed')
        second.epochs.forEach((e, i) => {
          expect(e.loss).toBe(first.epochs[i]!.loss)
          expect(e.loss).toBeCloseTo(uncached.epochs[i]!.loss, 4)
          expect(e.valLoss!).toBeCloseTo(uncached.epochs[i]!.valLoss!, 4)
        })
        expect(second.evaluation!.accuracy).toBe(first.evaluation!.accuracy)
        expect(second.evaluation!.testLoss).toBeCloseTo(uncached.evaluation!.testLoss, 4)
      })

      it('fine-tuning from cached activations: the second run hits the cache, and losses match a run without it', async () => {
        const model = {
          kind: 'transfer' as const,
          baseId: ws.base.id,
          inputSize: 32 as const,
          headDropout: 0,
          fineTune: { enabled: true, epochs: 2, learningRate: 1e-3, trainableLayers: tier.fineTune.trainableLayers },
        }
        const training = { epochs: 1, batchSize: 32, seed: 4 }
        const first = await run(model, training, {}, 11)
        const second = await run(model, training, {}, 11)
        const uncached = await run(model, training, { featureCache: false }, 11)
        for (const o of [first, second, uncached]) expect(o.done, o.done.message ?? '').toMatchObject({ status: 'completed' })
        const stages = (o: Outcome) =>
          o.messages.flatMap((m) =>
            m.type === 'features' && m.cache === 'activations' && m.stage !== 'computing' ? [`${m.stage}@${m.layer}`] : [],
          )
        expect(stages(first)).toEqual([`stored@${tier.fineTune.boundary}`])
        expect(stages(second)).toEqual([`hit@${tier.fineTune.boundary}`])
        expect(stages(uncached)).toEqual([])
        expect(uncached.epochs.map((e) => e.phase)).toEqual(['train', 'finetune', 'finetune'])
        for (const o of [first, second]) {
          expect(o.epochs.map((e) => e.phase)).toEqual(uncached.epochs.map((e) => e.phase))
          o.epochs.forEach((e, i) => {
            const ref = uncached.epochs[i]!
            expect(Math.abs(e.loss - ref.loss), `loss, epoch ${i + 1}`).toBeLessThan(1e-4)
            expect(Math.abs(e.valLoss! - ref.valLoss!), `val loss, epoch ${i + 1}`).toBeLessThan(1e-4)
          })
          expect(Math.abs(o.evaluation!.testLoss - uncached.evaluation!.testLoss)).toBeLessThan(1e-4)
        }
        // Fine-tuning really changed the loss (the comparison is not between idle phases).
        expect(uncached.epochs[2]!.loss).not.toBe(uncached.epochs[1]!.loss)
      })

      it('a forced backend that cannot start fails the run, never falls back, and says where it was forced', async () => {
        const tiny = { kind: 'scratch' as const, convBlocks: 1, filters: [8], denseUnits: 16 }
        const bySetting = await run(
          tiny,
          { epochs: 1, batchSize: 32, seed: 1 },
          { backend: 'tensorflow-gpu', backendForcedBy: 'setting' },
        )
        expect(bySetting.done.status).toBe('failed')
        expect(bySetting.done.message).toMatch(
          /backend "tensorflow-gpu" was forced but cannot be used: .*\(forced in Settings → Engine; choose Automatic/,
        )
        expect(bySetting.messages.some((m) => m.type === 'started')).toBe(false)
        const byFlag = await run(
          tiny,
          { epochs: 1, batchSize: 32, seed: 1 },
          { backend: 'tensorflow-gpu', backendForcedBy: 'flag' },
        )
        expect(byFlag.done.status).toBe('failed')
        expect(byFlag.done.message).toMatch(/was forced but cannot be used: .*\(forced by --backend\)$/)
      })
    },
  )

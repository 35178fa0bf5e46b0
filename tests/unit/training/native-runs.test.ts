// Whole runs on the native TensorFlow backend (tfjs-node), next to the same runs on wasm: every model
// kind, both phases, the caches, early stopping, plateau LR, checkpoint and resume, evaluation and
// export. Nothing in the training path may rely on the wasm-only kernels (fused Adam, Relu6 wiring).
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig, type BackendName, type ExperimentConfigInput } from '@shared/domain/config'
import type { BaseModelInfo } from '@shared/domain/model'
import type { EpochMetric, Evaluation } from '@shared/domain/run'
import * as tf from '../../../src-main/engine/tf'
import { vgg16NoTop } from '../../../src-main/engine/architectures/keras'
import { RunJob, type WorkerMessage } from '../../../src-main/engine/training/messages'
import { runJob } from '../../../src-main/engine/training/run-job'
import { randomLayers, writeKeras2 } from '../architectures/h5-fixtures'
import { nativeSkipReason, runNativeTests } from '../support/native-backend'
import { missingShared } from '../../support/shared-data'
import { CIFAR_ARCHIVE, MOBILENET } from './fixtures'
import { makeWorkspace, type Workspace } from './workspace'

const noShared = missingShared('native runs on real CIFAR-10', CIFAR_ARCHIVE, MOBILENET)
if (noShared === null && !runNativeTests) console.warn(`skipping native runs: ${nativeSkipReason}`)

/**
 * Largest relative loss difference allowed between tensorflow and wasm after the same short run.
 * Both compute in float32 but sum in different orders (oneDNN/Eigen vs XNNPACK and our kernels); a
 * few dozen Adam steps amplify 1e-7 rounding to a few 1e-3 of the loss (measured: Seed CNN ~1e-5,
 * MobileNetV2 fine-tuning ~1e-3; VGG16 with random weights, whose test loss is about 4, 2.2e-3 since
 * tensorflow runs TensorFlow's fused Adam, which rounds its update differently from tfjs' one on
 * wasm), while a wrong kernel, mask or frozen layer moves it by far more.
 */
const LOSS_TOLERANCE = 3e-3

function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-6)
}

interface Outcome {
  messages: WorkerMessage[]
  epochs: EpochMetric[]
  evaluation: Evaluation | null
  done: Extract<WorkerMessage, { type: 'done' }>
  backend: string | null
}

describe.skipIf(noShared !== null || !runNativeTests)('whole runs on the native tensorflow backend, beside wasm', () => {
  let ws: Workspace
  let squeezenet: BaseModelInfo
  let vgg16: BaseModelInfo
  beforeAll(async () => {
    ws = await makeWorkspace({ real: { train: 20, test: 4 } })
    squeezenet = await ws.core.call('models.get', { id: 'squeezenet1.1-imagenet' })
    // VGG16 from a Keras .h5 file (random weights: the point is the import and training path).
    await tf.setBackend('cpu')
    const reference = vgg16NoTop(32)
    const h5 = join(ws.dir, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5')
    await writeKeras2(h5, randomLayers(reference, 5))
    reference.dispose()
    vgg16 = await ws.core.call('models.import', { path: h5 })
  })
  afterAll(async () => ws?.dispose())

  let counter = 0
  async function run(
    backend: BackendName,
    model: ExperimentConfigInput['model'],
    training: ExperimentConfigInput['training'],
    extra: Partial<RunJob> & { base?: BaseModelInfo; cancelAfterEpochs?: number } = {},
  ): Promise<Outcome> {
    const { base, cancelAfterEpochs, ...jobExtra } = extra
    const config = ExperimentConfig.parse({
      name: 'native run',
      data: { datasetId: ws.dataset.id, validationSplit: 0.2, splitSeed: 42 },
      model,
      training,
    })
    const job = RunJob.parse({
      runId: `native-${++counter}`,
      dataDir: ws.dir,
      config,
      configHash: 'test',
      dataset: ws.dataset,
      base: model.kind === 'transfer' ? (base ?? ws.base) : null,
      resume: false,
      backend,
      threads: null,
      appVersion: 'test',
      batchThrottleMs: 0,
      ...jobExtra,
    })
    const messages: WorkerMessage[] = []
    const epochsSeen = () => messages.filter((m) => m.type === 'progress' && m.event.type === 'epoch').length
    await runJob(
      job,
      (m) => messages.push(m),
      () => cancelAfterEpochs !== undefined && epochsSeen() >= cancelAfterEpochs,
    )
    const done = messages.at(-1) as Outcome['done']
    expect(done.type).toBe('done')
    const epochs = messages.flatMap((m) => (m.type === 'progress' && m.event.type === 'epoch' ? [m.event.metric] : []))
    const evaluation =
      messages.flatMap((m) => (m.type === 'progress' && m.event.type === 'evaluation' ? [m.event.evaluation] : []))[0] ?? null
    const started = messages.find((m) => m.type === 'started')
    return { messages, epochs, evaluation, done, backend: started?.type === 'started' ? started.info.backend : null }
  }

  function expectSameLosses(native: Outcome, wasm: Outcome): void {
    expect(native.epochs.map((e) => e.phase)).toEqual(wasm.epochs.map((e) => e.phase))
    native.epochs.forEach((e, i) => {
      const w = wasm.epochs[i]!
      expect(relDiff(e.loss, w.loss), `loss, epoch ${i + 1}: tensorflow ${e.loss}, wasm ${w.loss}`).toBeLessThan(LOSS_TOLERANCE)
      expect(
        relDiff(e.valLoss!, w.valLoss!),
        `val loss, epoch ${i + 1}: tensorflow ${e.valLoss}, wasm ${w.valLoss}`,
      ).toBeLessThan(LOSS_TOLERANCE)
    })
    const [a, b] = [native.evaluation!.testLoss, wasm.evaluation!.testLoss]
    expect(relDiff(a, b), `test loss: tensorflow ${a}, wasm ${b}`).toBeLessThan(LOSS_TOLERANCE)
  }

  it('the Seed CNN: same seed and data give the losses of wasm; evaluation and export complete', async () => {
    const training = { epochs: 2, batchSize: 16, seed: 1 }
    const native = await run('tensorflow', { kind: 'scratch' }, training)
    const wasm = await run('wasm', { kind: 'scratch' }, training)
    expect(native.done, native.done.message ?? '').toMatchObject({ status: 'completed' })
    expect(native.backend).toBe('tensorflow')
    expect(wasm.backend).toBe('wasm')
    expect(native.epochs.at(-1)!.loss).toBeLessThan(native.epochs[0]!.loss)
    expectSameLosses(native, wasm)
    expect(native.evaluation!.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(40)
    const model = native.messages.find((m) => m.type === 'artifact' && m.artifact.kind === 'model')
    expect(model).toBeTruthy()
    expect(existsSync(join(ws.dir, 'runs', 'native-1', 'model', 'model.json'))).toBe(true)
  })

  it('MobileNetV2 frozen then fine-tuned (feature and activation caches) matches wasm', async () => {
    const model = {
      kind: 'transfer' as const,
      baseId: ws.base.id,
      inputSize: 32 as const,
      headDropout: 0,
      fineTune: { enabled: true, epochs: 1, learningRate: 1e-4, trainableLayers: 4 },
    }
    const training = { epochs: 1, batchSize: 32, seed: 4 }
    const native = await run('tensorflow', model, training)
    const cached = await run('tensorflow', model, training)
    const wasm = await run('wasm', model, training, { featureCache: false })
    for (const o of [native, cached, wasm]) expect(o.done, o.done.message ?? '').toMatchObject({ status: 'completed' })
    const stages = (o: Outcome) =>
      o.messages.flatMap((m) => (m.type === 'features' && m.stage !== 'computing' ? [`${m.cache}:${m.stage}`] : []))
    expect(stages(native)).toEqual(['features:stored', 'activations:stored'])
    expect(stages(cached)).toEqual(['features:hit', 'activations:hit'])
    expect(native.epochs.map((e) => e.phase)).toEqual(['train', 'finetune'])
    expectSameLosses(native, wasm)
    expectSameLosses(cached, wasm)
  })

  it('SqueezeNet and VGG16 (.h5) train frozen and fine-tuned on tensorflow like on wasm', async () => {
    for (const [base, inputSize, layers] of [
      [squeezenet, 64, 2],
      [vgg16, 32, 3],
    ] as const) {
      const model = {
        kind: 'transfer' as const,
        baseId: base.id,
        inputSize,
        headDropout: 0,
        fineTune: { enabled: true, epochs: 1, learningRate: 1e-4, trainableLayers: layers },
      }
      const training = { epochs: 1, batchSize: 16, seed: 6 }
      const native = await run('tensorflow', model, training, { base })
      const wasm = await run('wasm', model, training, { base })
      expect(native.done, `${base.name}: ${native.done.message ?? ''}`).toMatchObject({ status: 'completed' })
      expect(native.epochs.map((e) => e.phase)).toEqual(['train', 'finetune'])
      expectSameLosses(native, wasm)
    }
  })

  it('early stopping and plateau LR act on tensorflow as on wasm', async () => {
    const training = {
      epochs: 6,
      batchSize: 16,
      seed: 2,
      // A minimum improvement no epoch reaches: stops after patience epochs without one.
      earlyStopping: { enabled: true, patience: 2, minDelta: 100 },
      reduceLrOnPlateau: { enabled: true, patience: 0, factor: 0.5, minLr: 1e-6 },
    }
    const model = { kind: 'scratch' as const, convBlocks: 2, filters: [8, 16], denseUnits: 32 }
    const native = await run('tensorflow', model, training)
    const wasm = await run('wasm', model, training)
    expect(native.done, native.done.message ?? '').toMatchObject({ status: 'completed' })
    expect(native.epochs.length).toBeLessThan(6)
    expect(native.epochs).toHaveLength(wasm.epochs.length)
    expect(native.epochs.map((e) => e.learningRate)).toEqual(wasm.epochs.map((e) => e.learningRate))
    // Patience 0: the LR halves after every epoch whose val loss is not a new best (Keras' rule).
    let best = Infinity
    let lr = native.epochs[0]!.learningRate
    for (const e of native.epochs) {
      expect(e.learningRate, `learning rate of epoch ${e.epoch}`).toBeCloseTo(lr, 12)
      if (e.valLoss! < best) best = e.valLoss!
      else lr = Math.max(1e-6, lr * 0.5)
    }
    expectSameLosses(native, wasm)
  })

  it('a cancelled run resumes from its checkpoint on tensorflow and ends like an uninterrupted one', async () => {
    const model = { kind: 'scratch' as const, convBlocks: 2, filters: [8, 16], denseUnits: 32 }
    const training = { epochs: 3, batchSize: 16, seed: 3 }
    const whole = await run('tensorflow', model, training)
    const cancelled = await run('tensorflow', model, training, { cancelAfterEpochs: 1 })
    expect(cancelled.done.status).toBe('cancelled')
    expect(cancelled.epochs).toHaveLength(1)
    const runId = `native-${counter}`
    const resumed = await run('tensorflow', model, training, { runId, resume: true })
    expect(resumed.done, resumed.done.message ?? '').toMatchObject({ status: 'completed' })
    const started = resumed.messages.find((m) => m.type === 'started')
    expect(started?.type === 'started' && started.resumedFromEpoch).toBe(1)
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([2, 3])
    resumed.epochs.forEach((e, i) => expect(Math.abs(e.loss - whole.epochs[i + 1]!.loss), `epoch ${e.epoch}`).toBeLessThan(1e-5))
  })
})

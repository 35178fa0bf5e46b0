// Whole runs computed on a lent GPU engine (the desktop app's hidden WebGPU page) while the run itself
// stays in the worker: here the engine's own server and session code run in this thread on tfjs' cpu
// backend (tests/unit/support/gpu-engine-host.ts), so a run through the engine must equal the same
// run computed in the worker on cpu, epoch for epoch, weight for weight: the protocol (phases, the
// mirror the callbacks checkpoint, restored best weights, the learning-rate schedule, evaluation)
// loses nothing. A lost device fails the run with its reason, keeps the checkpoint, and the run
// resumes on another backend. Chromium's WebGPU itself is tested in tests/e2e/gpu-engine-runs.test.ts.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig, type ExperimentConfigInput } from '@shared/domain/config'
import type { EpochMetric, Evaluation } from '@shared/domain/run'
import { RunJob, type WorkerMessage } from '../../../src-main/engine/training/messages'
import type { GpuConnector } from '../../../src-main/engine/training/remote-compute'
import { runJob } from '../../../src-main/engine/training/run-job'
import { testGpuEngine, type TestGpuEngine } from '../support/gpu-engine-host'
import { makeWorkspace, type Workspace } from './workspace'
import { waitFinal } from '../../support/runs'

/** Small enough for tfjs' pure-JavaScript cpu backend, which both sides compute on here. */
const SMALL_CNN = { kind: 'scratch' as const, filters: [4, 8], denseUnits: 16 }

interface Outcome {
  messages: WorkerMessage[]
  epochs: EpochMetric[]
  evaluation: Evaluation | null
  done: Extract<WorkerMessage, { type: 'done' }>
  started: Extract<WorkerMessage, { type: 'started' }> | undefined
}

/** float32 weights of the exported model folder, in manifest order. */
function exportedWeights(dir: string): Float32Array {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weightsManifest: Array<{ paths: string[] }> }
  const bytes = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))))
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}

describe('whole runs on a lent GPU engine, against the same runs in the worker', () => {
  let ws: Workspace
  beforeAll(async () => {
    ws = await makeWorkspace({ perBatch: 12 })
  })
  afterAll(async () => ws?.dispose())

  let counter = 0
  async function run(
    model: ExperimentConfigInput['model'],
    training: ExperimentConfigInput['training'],
    options: {
      backend: 'webgpu' | 'cpu' | null
      engine?: TestGpuEngine
      runId?: string
      resume?: boolean
      augment?: boolean
      onEpoch?(): void
    },
  ): Promise<Outcome> {
    const config = ExperimentConfig.parse({
      name: 'gpu engine run',
      data: { datasetId: ws.dataset.id, validationSplit: 0.2 },
      model,
      training,
      augmentation: options.augment ? { enabled: true, flip: true, shiftPixels: 2, seed: 9 } : { enabled: false },
    })
    const job = RunJob.parse({
      runId: options.runId ?? `gpu-${++counter}`,
      dataDir: ws.dir,
      config,
      configHash: 'test',
      dataset: ws.dataset,
      base: model.kind === 'transfer' ? ws.base : null,
      resume: options.resume ?? false,
      backend: options.backend,
      threads: null,
      appVersion: 'test',
      batchThrottleMs: 0,
      gpuHost: options.engine !== undefined,
    })
    const engine = options.engine
    const connect: GpuConnector | null = engine ? (allow) => engine.client(allow) : null
    const messages: WorkerMessage[] = []
    await runJob(
      job,
      (m) => {
        messages.push(m)
        if (m.type === 'progress' && m.event.type === 'epoch') options.onEpoch?.()
      },
      () => false,
      connect,
    )
    const done = messages.at(-1) as Outcome['done']
    expect(done.type).toBe('done')
    return {
      messages,
      done,
      started: messages.find((m): m is Outcome['started'] & object => m.type === 'started'),
      epochs: messages.flatMap((m) => (m.type === 'progress' && m.event.type === 'epoch' ? [m.event.metric] : [])),
      evaluation:
        messages.flatMap((m) => (m.type === 'progress' && m.event.type === 'evaluation' ? [m.event.evaluation] : []))[0] ?? null,
    }
  }

  /** What must be equal between two runs (not their timings). */
  const curve = (o: Outcome) =>
    o.epochs.map(({ phase, epoch, loss, accuracy, valLoss, valAccuracy, learningRate }) => ({
      phase,
      epoch,
      loss,
      accuracy,
      valLoss,
      valAccuracy,
      learningRate,
    }))

  it('the Seed CNN forced to webgpu trains on the engine, records its adapter, and equals the cpu run exactly', async () => {
    const engine = testGpuEngine()
    const training = { epochs: 2, batchSize: 16, seed: 3 }
    const remote = await run(SMALL_CNN, training, { backend: 'webgpu', engine, runId: 'scratch-remote' })
    const local = await run(SMALL_CNN, training, { backend: 'cpu', runId: 'scratch-local' })
    expect(remote.done).toMatchObject({ status: 'completed', message: null })
    expect(remote.started?.info).toMatchObject({
      backend: 'webgpu',
      device: 'test GPU engine on the tfjs cpu backend (test tfjs-cpu)',
    })
    expect(local.started?.info.backend).toBe('cpu')
    expect(curve(remote)).toEqual(curve(local))
    expect(remote.evaluation?.accuracy).toBe(local.evaluation?.accuracy)
    expect(remote.evaluation?.confusionMatrix).toEqual(local.evaluation?.confusionMatrix)
    expect(remote.evaluation?.testLoss).toBeCloseTo(local.evaluation!.testLoss, 6)
    // The exported model is the engine's, mirrored back: the same weights as the cpu run's.
    expect(exportedWeights(join(ws.dir, 'runs', 'scratch-remote', 'model'))).toEqual(
      exportedWeights(join(ws.dir, 'runs', 'scratch-local', 'model')),
    )
    // Every batch went to the engine: 160 training images in batches of 16, two epochs.
    expect(engine.calls.filter((c) => c === 'step')).toHaveLength(6)
    expect(engine.calls[0]).toBe('open')
    expect(engine.calls.at(-1)).toBe('close')
  })

  it('transfer with fine-tuning, augmentation, early stopping and the learning-rate schedule equals the cpu run', async () => {
    const engine = testGpuEngine()
    // 64 px from 32 px images: the engine resizes each batch itself, as the worker would have.
    const model = {
      kind: 'transfer' as const,
      baseId: ws.base.id,
      inputSize: 64 as const,
      headUnits: 16,
      fineTune: { enabled: true, epochs: 2, learningRate: 5e-4, trainableLayers: 2 },
    }
    // Patience 0: the schedule halves the rate after any epoch that does not improve, and early
    // stopping ends the phase there and restores the best epoch's weights, which the engine must take back.
    const training = {
      epochs: 3,
      batchSize: 16,
      seed: 4,
      learningRate: 0.05,
      earlyStopping: { enabled: true, patience: 0, restoreBestWeights: true },
      reduceLrOnPlateau: { enabled: true, patience: 0, factor: 0.5 },
    }
    const remote = await run(model, training, { backend: 'webgpu', engine, runId: 'transfer-remote', augment: true })
    const local = await run(model, training, { backend: 'cpu', runId: 'transfer-local', augment: true })
    expect(remote.done).toMatchObject({ status: 'completed', message: null })
    expect(curve(remote)).toEqual(curve(local))
    // Phase 1 stopped at its first worse epoch (2 of 3), so its best weights were restored and sent back.
    expect(remote.epochs.map((e) => e.phase)).toEqual(['train', 'train', 'finetune', 'finetune'])
    expect(remote.epochs[1]!.valLoss!).toBeGreaterThan(remote.epochs[0]!.valLoss!)
    expect(remote.evaluation?.confusionMatrix).toEqual(local.evaluation?.confusionMatrix)
    expect(exportedWeights(join(ws.dir, 'runs', 'transfer-remote', 'model'))).toEqual(
      exportedWeights(join(ws.dir, 'runs', 'transfer-local', 'model')),
    )
    // Each phase began on the engine; an update carried what the callbacks changed between epochs.
    expect(engine.calls.filter((c) => c === 'phase')).toHaveLength(2)
    expect(engine.calls).toContain('update')
    // No feature cache on the engine: every batch went through the whole model there.
    expect(remote.messages.some((m) => m.type === 'features')).toBe(false)
  })

  it('a lost device fails the run with its reason, keeps the checkpoint, and the run resumes on cpu to the same end', async () => {
    const engine = testGpuEngine()
    const training = { epochs: 3, batchSize: 16, seed: 6 }
    let epochs = 0
    const lost = await run(SMALL_CNN, training, {
      backend: 'webgpu',
      engine,
      runId: 'lost',
      onEpoch: () => {
        // After the first epoch's checkpoint: the next batch finds the device gone.
        if (++epochs === 1) engine.loseDevice()
      },
    })
    expect(lost.done).toEqual({
      type: 'done',
      status: 'failed',
      message: 'the GPU device was lost (destroyed): the test took it away',
    })
    expect(lost.epochs).toHaveLength(1)
    expect(lost.messages.some((m) => m.type === 'artifact' && m.artifact.kind === 'checkpoint')).toBe(true)

    const resumed = await run(SMALL_CNN, training, { backend: 'cpu', runId: 'lost', resume: true })
    expect(resumed.done.status).toBe('completed')
    expect(resumed.started).toMatchObject({ resumedFromEpoch: 1, info: { backend: 'cpu' } })
    const whole = await run(SMALL_CNN, training, { backend: 'cpu', runId: 'never-lost' })
    expect([...lost.epochs, ...resumed.epochs].map((e) => e.loss)).toEqual(whole.epochs.map((e) => e.loss))
  })

  it('forced webgpu without an adapter fails saying why; an automatic run skips a software adapter', async () => {
    const none = await run(
      SMALL_CNN,
      { epochs: 1, batchSize: 16 },
      {
        backend: 'webgpu',
        engine: testGpuEngine({ noAdapter: 'navigator.gpu.requestAdapter() gave no adapter' }),
      },
    )
    expect(none.done).toMatchObject({
      status: 'failed',
      message: 'webgpu cannot start: navigator.gpu.requestAdapter() gave no adapter',
    })
    const software = testGpuEngine({ software: true })
    const automatic = await run(SMALL_CNN, { epochs: 1, batchSize: 16 }, { backend: null, engine: software })
    expect(automatic.done.status).toBe('completed')
    expect(automatic.started?.info.backend).not.toBe('webgpu')
    expect(software.calls).toEqual([])
    const hardware = testGpuEngine()
    const preferred = await run(SMALL_CNN, { epochs: 1, batchSize: 16 }, { backend: null, engine: hardware })
    expect(preferred.started?.info.backend).toBe('webgpu')
    expect(hardware.calls).toContain('step')
  })
})

describe('the training service lends its GPU engine to the run in its worker', () => {
  let ws: Workspace
  // The engine the core lends; a test swaps in a fresh one (a lost device stays lost).
  let engine = testGpuEngine()
  beforeAll(async () => {
    ws = await makeWorkspace({ perBatch: 12, gpuHost: { connect: (allow) => engine.connect(allow) } })
  })
  afterAll(async () => ws?.dispose())

  const config = (name: string, epochs: number) =>
    ExperimentConfig.parse({
      name,
      data: { datasetId: ws.dataset.id, validationSplit: 0.2 },
      model: SMALL_CNN,
      training: { epochs, batchSize: 16, seed: 8 },
    })

  it('a run forced to webgpu in the settings trains there; the run record names the adapter, and the doctor agrees', async () => {
    await ws.core.call('system.updateSettings', { backend: 'webgpu' })
    const doctor = await ws.core.call('system.doctor', {})
    expect(doctor).toMatchObject({ backend: 'webgpu', forced: true, webgpu: { adapter: engine.adapter, reason: null } })
    expect(doctor.backends.find((b) => b.name === 'webgpu')).toMatchObject({ available: true, reason: null })

    const { runIds } = await ws.core.call('training.start', { config: config('on the engine', 2) })
    const run = await waitFinal(ws.core, runIds[0]!)
    expect(run.status).toBe('completed')
    expect(run).toMatchObject({ backend: 'webgpu', device: 'test GPU engine on the tfjs cpu backend (test tfjs-cpu)' })
    expect(run.epochs).toHaveLength(2)
    expect(run.evaluation).not.toBeNull()
    expect(engine.calls.filter((c) => c === 'step')).toHaveLength(6)
    expect(engine.calls.at(-1)).toBe('close')
  })

  it('a lost device fails the run with its reason; with the setting back on cpu the run resumes from its checkpoint', async () => {
    engine = testGpuEngine()
    await ws.core.call('system.updateSettings', { backend: 'webgpu' })
    const { runIds } = await ws.core.call('training.start', { config: config('device lost', 3) })
    const id = runIds[0]!
    const off = ws.core.events.subscribe((e) => {
      if (e.event === 'run.progress' && e.payload.type === 'epoch' && e.payload.runId === id) engine.loseDevice()
    })
    const failed = await waitFinal(ws.core, id)
    off()
    expect(failed.status).toBe('failed')
    expect(failed.failureMessage).toBe('the GPU device was lost (destroyed): the test took it away')
    expect(failed.epochs.length).toBeGreaterThanOrEqual(1)
    expect(failed.artifacts.map((a) => a.kind)).toContain('checkpoint')

    await ws.core.call('system.updateSettings', { backend: 'cpu' })
    await ws.core.call('training.resume', { runId: id })
    const resumed = await waitFinal(ws.core, id)
    expect(resumed.status).toBe('completed')
    expect(resumed.backend).toBe('cpu')
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3])
    expect(resumed.epochs.slice(0, failed.epochs.length)).toEqual(failed.epochs)
  })

  it('a run that failed before its first checkpoint is not resumable', async () => {
    engine = testGpuEngine({ noAdapter: 'no adapter here' })
    await ws.core.call('system.updateSettings', { backend: 'webgpu' })
    const { runIds } = await ws.core.call('training.start', { config: config('no adapter', 1) })
    const failed = await waitFinal(ws.core, runIds[0]!)
    expect(failed.failureMessage).toBe(
      'webgpu cannot start: no adapter here (forced in Settings → Engine; choose Automatic there to let the app pick)',
    )
    await expect(ws.core.call('training.resume', { runId: failed.id })).rejects.toThrow(/failed before its first checkpoint/)
  })

  it('a cancel stops the run on the engine between batches, keeps its epochs and frees the session', async () => {
    engine = testGpuEngine()
    await ws.core.call('system.updateSettings', { backend: 'webgpu' })
    const { runIds } = await ws.core.call('training.start', { config: config('cancelled on the engine', 5) })
    const id = runIds[0]!
    const off = ws.core.events.subscribe((e) => {
      if (e.event === 'run.progress' && e.payload.type === 'epoch' && e.payload.runId === id)
        void ws.core.call('training.cancel', { runId: id })
    })
    const cancelled = await waitFinal(ws.core, id)
    off()
    expect(cancelled.status).toBe('cancelled')
    expect(cancelled.epochs.length).toBeGreaterThanOrEqual(1)
    expect(cancelled.epochs.length).toBeLessThan(5)
    expect(engine.calls.at(-1)).toBe('close')
  })
})

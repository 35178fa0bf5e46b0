// Whole runs on the webgpu backend (Dawn; here a software adapter): the run records the backend and
// the adapter it computed on; a device lost part-way fails the run with the device's reason, keeps
// the checkpoint of the finished epoch, and the run resumes from it on wasm. A GPU error the engine
// did not ask for is caught as a fault too.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import { GpuFaultError, webGpuReport } from '../../../src-main/engine/backend'
import { acquireAdapter } from '../../../src-main/engine/backend/webgpu/adapter'
import { currentWebGpuSession, watchDevice } from '../../../src-main/engine/backend/webgpu/setup'
import { RunJob, type WorkerMessage } from '../../../src-main/engine/training/messages'
import { runJob } from '../../../src-main/engine/training/run-job'
import { runWebGpuTests, webGpuSkipReason } from '../support/webgpu'
import { makeWorkspace, type Workspace } from './workspace'

describe.skipIf(!runWebGpuTests)(`runs on webgpu${webGpuSkipReason ? ` (${webGpuSkipReason})` : ''}`, () => {
  let ws: Workspace
  beforeAll(async () => {
    ws = await makeWorkspace({ perBatch: 8 })
  })
  afterAll(async () => ws?.dispose())

  function job(runId: string, extra: Partial<RunJob> = {}): RunJob {
    const config = ExperimentConfig.parse({
      name: 'webgpu run',
      data: { datasetId: ws.dataset.id, validationSplit: 0.2, splitSeed: 1 },
      model: { kind: 'scratch', filters: [8, 16], denseUnits: 32 },
      training: { epochs: 2, batchSize: 16, seed: 1 },
    })
    return RunJob.parse({
      runId,
      dataDir: ws.dir,
      config,
      configHash: 'webgpu',
      dataset: ws.dataset,
      base: null,
      resume: false,
      backend: 'webgpu',
      threads: null,
      appVersion: 'test',
      batchThrottleMs: 0,
      ...extra,
    })
  }

  async function run(j: RunJob, onMessage: (m: WorkerMessage) => void = () => {}): Promise<WorkerMessage[]> {
    const messages: WorkerMessage[] = []
    await runJob(
      j,
      (m) => {
        messages.push(m)
        onMessage(m)
      },
      () => false,
    )
    return messages
  }

  const started = (messages: WorkerMessage[]) =>
    messages.find((m) => m.type === 'started') as Extract<WorkerMessage, { type: 'started' }>
  const done = (messages: WorkerMessage[]) => messages.at(-1) as Extract<WorkerMessage, { type: 'done' }>
  const epochs = (messages: WorkerMessage[]) =>
    messages.flatMap((m) => (m.type === 'progress' && m.event.type === 'epoch' ? [m.event.metric.epoch] : []))

  it('a run records webgpu and the adapter, trains, evaluates and exports', async () => {
    const adapter = (await webGpuReport()).adapter!
    const messages = await run(job('webgpu-complete'))
    expect(done(messages)).toMatchObject({ status: 'completed' })
    expect(started(messages).info.backend).toBe('webgpu')
    expect(started(messages).info.device).toContain(adapter.description)
    expect(epochs(messages)).toEqual([1, 2])
    expect(messages.some((m) => m.type === 'progress' && m.event.type === 'evaluation')).toBe(true)
    expect(messages.some((m) => m.type === 'artifact' && m.artifact.kind === 'model')).toBe(true)
  })

  it('through the core, in the training worker thread: the stored run names webgpu and the adapter', async () => {
    const adapter = (await webGpuReport()).adapter!
    const config = ExperimentConfig.parse({
      name: 'webgpu in the worker',
      data: { datasetId: ws.dataset.id, validationSplit: 0.2, splitSeed: 1 },
      model: { kind: 'scratch', filters: [8, 16], denseUnits: 32 },
      training: { epochs: 1, batchSize: 16, seed: 1 },
      backend: 'webgpu',
    })
    const { runIds } = await ws.core.call('training.start', { config, seeds: [1] })
    let run = await ws.core.call('runs.get', { id: runIds[0]! })
    while (run.status === 'queued' || run.status === 'running') {
      await new Promise((r) => setTimeout(r, 200))
      run = await ws.core.call('runs.get', { id: runIds[0]! })
    }
    expect(run).toMatchObject({ status: 'completed', backend: 'webgpu', failureMessage: null })
    expect(run.device).toContain(adapter.description)
    expect(run.evaluation?.confusionMatrix.flat().reduce((a, b) => a + b, 0)).toBe(8)
  })

  it('an uncaptured GPU error on a device is a fault with its kind and message', async () => {
    const { adapter, info } = await acquireAdapter()
    const device = await adapter.requestDevice()
    const watch = watchDevice(device, info)
    expect(watch.fault()).toBeNull()
    // Usage 0 is invalid: Dawn reports a validation error that nobody captured.
    device.createBuffer({ size: 16, usage: 0 })
    await expect(watch.faulted).rejects.toBeInstanceOf(GpuFaultError)
    expect(watch.fault()).toMatch(/^the GPU reported an error \(GPUValidationError\): .+/)
    device.destroy()
  })

  // Last: the engine's device stays lost for the rest of this process.
  it('a lost device fails the run with the reason, keeps the checkpoint, and the run resumes on wasm', async () => {
    const runId = 'webgpu-lost'
    const session = (await currentWebGpuSession())!
    const messages = await run(job(runId), (m) => {
      // The first epoch is checkpointed before its progress goes out: lose the device right after.
      if (m.type === 'progress' && m.event.type === 'epoch' && m.event.metric.epoch === 1) session.device.destroy()
    })
    expect(done(messages).status).toBe('failed')
    expect(done(messages).message).toMatch(/^the GPU device was lost \(destroyed\)/)
    expect(epochs(messages)).toEqual([1])
    const checkpoint = messages.find((m) => m.type === 'artifact' && m.artifact.kind === 'checkpoint')
    expect(checkpoint).toBeTruthy()
    expect(existsSync(join(ws.dir, (checkpoint as Extract<WorkerMessage, { type: 'artifact' }>).artifact.path))).toBe(true)

    const resumed = await run(job(runId, { resume: true, backend: 'wasm' }))
    expect(done(resumed)).toMatchObject({ status: 'completed' })
    expect(started(resumed)).toMatchObject({ resumedFromEpoch: 1, info: { backend: 'wasm' } })
    expect(epochs(resumed)).toEqual([2])
  })
})

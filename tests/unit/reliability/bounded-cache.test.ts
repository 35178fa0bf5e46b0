import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import { DEFAULT_CACHE_MEMORY_MB } from '@shared/domain/system'
import { featuresRoot } from '../../../src-main/engine/training/feature-cache'
import { RunJob, type WorkerMessage } from '../../../src-main/engine/training/messages'
import { runJob } from '../../../src-main/engine/training/run-job'
import { featuresMessage } from '../../../src-main/experiments/training-service'
import { runCli } from '../support/cli'
import { makeWorkspace, type Workspace } from '../training/workspace'

// The cached base outputs a transfer run trains on (the head's features, fine-tuning's activations)
// stay within the run's memory bound: what does not fit is read from its file batch by batch, and
// the run ends with the same metrics and the same weights, bit for bit, wherever its rows lived.

type Features = Extract<WorkerMessage, { type: 'features' }>

describe('the memory bound of the feature and activation caches', () => {
  let ws: Workspace
  beforeAll(async () => {
    ws = await makeWorkspace({ perBatch: 40 })
  })
  afterAll(async () => ws?.dispose())

  let counter = 0
  async function run(cacheMemoryMb: number) {
    const config = ExperimentConfig.parse({
      name: 'bounded cache',
      data: { datasetId: ws.dataset.id, validationSplit: 0.2, splitSeed: 5 },
      model: {
        kind: 'transfer',
        baseId: ws.base.id,
        inputSize: 32,
        headDropout: 0,
        fineTune: { enabled: true, epochs: 2, learningRate: 1e-3, trainableLayers: 4 },
      },
      training: { epochs: 2, batchSize: 16, seed: 9 },
    })
    const runId = `bounded-${++counter}`
    const job = RunJob.parse({
      runId,
      dataDir: ws.dir,
      config,
      configHash: 'test',
      dataset: ws.dataset,
      base: ws.base,
      resume: false,
      backend: null,
      threads: null,
      appVersion: 'test',
      batchThrottleMs: 0,
      cacheMemoryMb,
    })
    const messages: WorkerMessage[] = []
    await runJob(
      job,
      (m) => messages.push(m),
      () => false,
    )
    const done = messages.at(-1)
    expect(done).toMatchObject({ type: 'done', status: 'completed' })
    const caches = messages.filter((m): m is Features => m.type === 'features' && m.stage !== 'computing')
    // Everything an epoch records but its timing.
    const epochs = messages.flatMap((m) =>
      m.type === 'progress' && m.event.type === 'epoch'
        ? [{ ...m.event.metric, durationMs: undefined, imagesPerSecond: undefined }]
        : [],
    )
    const evaluation = messages.flatMap((m) =>
      m.type === 'progress' && m.event.type === 'evaluation' ? [m.event.evaluation] : [],
    )
    const weights = readFileSync(join(ws.dir, 'runs', runId, 'model', 'weights.bin'))
    return { caches, epochs, evaluation: evaluation[0]!, weights }
  }

  it('all in memory under the default bound, all on disk under a bound of 0, split between under a small one: same run', async () => {
    const inMemory = await run(DEFAULT_CACHE_MEMORY_MB)
    expect(inMemory.caches.map((c) => `${c.cache}:${c.stage}`)).toEqual(['features:stored', 'activations:stored'])
    for (const c of inMemory.caches) {
      expect(c.diskBytes).toBe(0)
      expect(c.memoryBytes).toBeGreaterThan(0)
    }
    const activations = inMemory.caches[1]!
    // 16x16x8 float32 activations of 240 images.
    expect(activations.memoryBytes).toBe(240 * 16 * 16 * 8 * 4)

    const onDisk = await run(0)
    expect(onDisk.caches.map((c) => `${c.cache}:${c.stage}`)).toEqual(['features:hit', 'activations:hit'])
    for (const c of onDisk.caches) {
      expect(c.memoryBytes).toBe(0)
      expect(c.diskBytes).toBe(inMemory.caches.find((m) => m.cache === c.cache)!.memoryBytes)
    }
    expect(featuresMessage(onDisk.caches[1]!)).toBe(
      'fine-tuning activations of block_1_add reused from the cache (1.9 MB: 0 B in memory, 1.9 MB read from disk per batch; memory bound 0 MB)',
    )

    // Computed afresh under a bound that holds the validation split (40 rows, 320 KB) and nothing more.
    rmSync(featuresRoot(ws.dir), { recursive: true, force: true })
    const split = await run(0.5)
    expect(split.caches.map((c) => `${c.cache}:${c.stage}`)).toEqual(['features:stored', 'activations:stored'])
    const bounded = split.caches[1]!
    expect(bounded.memoryBytes).toBe(40 * 16 * 16 * 8 * 4)
    expect(bounded.memoryBytes).toBeLessThanOrEqual(0.5 * 1024 * 1024)
    expect(bounded.diskBytes).toBe(200 * 16 * 16 * 8 * 4)

    for (const other of [onDisk, split]) {
      expect(other.epochs).toEqual(inMemory.epochs)
      expect(other.evaluation.confusionMatrix).toEqual(inMemory.evaluation.confusionMatrix)
      expect(other.evaluation.testLoss).toBe(inMemory.evaluation.testLoss)
      expect(other.weights.equals(inMemory.weights)).toBe(true)
    }
  }, 300_000)

  it('the bound comes from settings.json, and `train` says what was cached and where it sat', async () => {
    writeFileSync(join(ws.dir, 'settings.json'), JSON.stringify({ cacheMemoryMb: 0 }))
    const configFile = join(ws.dir, '..', 'bounded.json')
    writeFileSync(
      configFile,
      JSON.stringify({
        name: 'bounded from the CLI',
        data: { datasetId: ws.dataset.id, validationSplit: 0.2 },
        model: {
          kind: 'transfer',
          baseId: ws.base.id,
          inputSize: 32,
          headDropout: 0,
          fineTune: { enabled: true, epochs: 1, learningRate: 1e-3, trainableLayers: 4 },
        },
        training: { epochs: 1, batchSize: 32, seed: 1 },
      }),
    )
    const out = await runCli(ws.dir, 'train', '--config', configFile)
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toMatch(
      /fine-tuning activations of block_1_add (computed and cached|reused from the cache) \(1\.9 MB: 0 B in memory, 1\.9 MB read from disk per batch; memory bound 0 MB\)/,
    )
  }, 300_000)
})

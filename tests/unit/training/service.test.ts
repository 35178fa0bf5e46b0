import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import type { RunProgressEvent } from '@shared/contract/events'
import { EventLoopMonitor } from '../../../src-main/experiments/event-loop'
import { jobBackend } from '../../../src-main/experiments/training-service'
import { missingShared } from '../../support/shared-data'
import { CIFAR_ARCHIVE, MOBILENET, repoRoot } from './fixtures'
import { makeWorkspace, type Workspace } from './workspace'
import { waitFinal } from '../../support/runs'

describe('the backend and threads a run is started with', () => {
  it("passes the preference's backend and threads and who forced it; a run's own backend wins and is never swapped", () => {
    const setting = { backend: 'cpu' as const, threads: 3, forcedBy: 'setting' as const }
    expect(jobBackend({ backend: null }, setting)).toEqual({ backend: 'cpu', threads: 3, backendForcedBy: 'setting' })
    expect(jobBackend({ backend: null }, { ...setting, forcedBy: 'flag' })).toEqual({
      backend: 'cpu',
      threads: 3,
      backendForcedBy: 'flag',
    })
    expect(jobBackend({ backend: 'wasm' }, setting)).toEqual({ backend: 'wasm', threads: 3, backendForcedBy: 'config' })
    expect(jobBackend({ backend: null }, { backend: null, threads: null, forcedBy: null })).toEqual({
      backend: null,
      threads: null,
      backendForcedBy: null,
    })
  })
})

// Generated data (everywhere) and a real CIFAR-10 subset (second tier), 120 training images each.
const tiers = [
  { name: 'generated images', skip: null, workspace: () => makeWorkspace({ perBatch: 24 }) },
  {
    name: 'real CIFAR-10 images',
    skip: missingShared('the training service tests on real CIFAR-10', CIFAR_ARCHIVE, MOBILENET),
    workspace: () => makeWorkspace({ real: { train: 12, test: 3 } }),
  },
]

for (const tier of tiers)
  describe.skipIf(tier.skip !== null)(`TrainingService through the core on ${tier.name}, training in its worker thread`, () => {
    let ws: Workspace
    const events: RunProgressEvent[] = []
    beforeAll(async () => {
      ws = await tier.workspace()
      ws.core.events.subscribe((e) => {
        if (e.event === 'run.progress') events.push(e.payload)
      })
    })
    afterAll(async () => ws?.dispose())

    const config = (name: string, epochs: number) =>
      ExperimentConfig.parse({
        name,
        data: { datasetId: ws.dataset.id, validationSplit: 0.2 },
        model: { kind: 'scratch', filters: [16, 32], denseUnits: 64 },
        training: { epochs, batchSize: 16, seed: 5 },
      })

    it('queues two runs, runs them one after another, and the main event loop stays responsive (p99 < 50 ms)', async () => {
      const monitor = new EventLoopMonitor()
      monitor.start()
      const { runIds } = await ws.core.call('training.start', { config: config('queued pair', 2), seeds: [1, 2] })
      expect(runIds).toHaveLength(2)
      const queue = await ws.core.call('training.queue', {})
      expect(queue.current?.id).toBe(runIds[0])
      expect(queue.queued.map((r) => r.id)).toEqual([runIds[1]])
      const [a, b] = [await waitFinal(ws.core, runIds[0]!), await waitFinal(ws.core, runIds[1]!)]
      monitor.stop()
      for (const run of [a, b]) {
        expect(run.status).toBe('completed')
        expect(run.epochs).toHaveLength(2)
        expect(run.evaluation?.confusionMatrix).toHaveLength(10)
        expect(run.backend).not.toBeNull()
        expect(run.artifacts.map((x) => x.kind).sort()).toEqual(['checkpoint', 'model'])
      }
      expect(b.startedAt! >= a.finishedAt!).toBe(true)
      expect(a.seed).toBe(1)
      expect(b.seed).toBe(2)
      const batches = events.filter((e) => e.type === 'batch' && e.runId === a.id)
      expect(batches.length).toBeGreaterThan(0)
      const lag = monitor.read()!
      expect(lag.samples).toBeGreaterThan(10)
      expect(lag.p99Ms).toBeLessThan(50)
    })

    it('cancel keeps finished epochs; resume continues from the checkpoint to the end', async () => {
      const { runIds } = await ws.core.call('training.start', { config: config('cancel me', 4) })
      const id = runIds[0]!
      // Cancel as soon as the first epoch is recorded.
      await new Promise<void>((resolve) => {
        const timer = setInterval(() => {
          if (events.some((e) => e.type === 'epoch' && e.runId === id)) {
            clearInterval(timer)
            resolve()
          }
        }, 20)
      })
      await ws.core.call('training.cancel', { runId: id })
      const cancelled = await waitFinal(ws.core, id)
      expect(cancelled.status).toBe('cancelled')
      expect(cancelled.epochs.length).toBeGreaterThanOrEqual(1)
      expect(cancelled.epochs.length).toBeLessThan(4)
      const kept = cancelled.epochs.length

      await ws.core.call('training.resume', { runId: id })
      const resumed = await waitFinal(ws.core, id)
      expect(resumed.status).toBe('completed')
      expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3, 4])
      expect(resumed.epochs.slice(0, kept)).toEqual(cancelled.epochs)
      expect(resumed.evaluation).not.toBeNull()
      await expect(ws.core.call('training.resume', { runId: id })).rejects.toThrow(
        /only an interrupted, cancelled or failed run with a checkpoint/,
      )
    })

    it('trains on the backend and threads saved in the settings, read when each run starts', async () => {
      const tiny = (name: string) =>
        ExperimentConfig.parse({ ...config(name, 1), model: { kind: 'scratch', convBlocks: 1, filters: [4], denseUnits: 8 } })
      const auto = await ws.core.call('training.start', { config: tiny('automatic backend') })
      const autoRun = await waitFinal(ws.core, auto.runIds[0]!)
      expect(autoRun.status).toBe('completed')
      // The automatic choice on this machine is faster than the reference cpu backend, so forcing cpu shows.
      expect(autoRun.backend).not.toBe('cpu')
      await ws.core.call('system.updateSettings', { backend: 'cpu', threads: 1 })
      try {
        const { runIds } = await ws.core.call('training.start', { config: tiny('forced cpu') })
        const run = await waitFinal(ws.core, runIds[0]!)
        expect(run.status, run.failureMessage ?? '').toBe('completed')
        expect(run.backend).toBe('cpu')
        const phases = events.filter((e) => e.type === 'phase' && e.runId === run.id)
        expect(phases.map((e) => (e.type === 'phase' ? e.backend : null))).toEqual(['cpu'])
      } finally {
        await ws.core.call('system.updateSettings', { backend: null, threads: null })
      }
    })

    it('lists the built-in presets and refuses a transfer run whose base is not registered', async () => {
      const presets = await ws.core.call('training.presets', {})
      expect(presets.filter((p) => p.builtIn).map((p) => p.id)).toEqual([
        'seed-cnn',
        'mobilenetv2-transfer',
        'squeezenet-transfer',
        'vgg16-transfer',
      ])
      const bad = { ...config('no base', 1), model: { kind: 'transfer', baseId: 'nope' } }
      await expect(ws.core.call('training.start', { config: ExperimentConfig.parse(bad) })).rejects.toThrow(
        /base model nope not found/,
      )
    })

    it('the train CLI records a run and ends its JSON lines with the finished run', () => {
      const res = spawnSync(
        process.execPath,
        [
          'bin/cifar-workbench.mjs',
          '--data-dir',
          ws.dir,
          '--json',
          'train',
          '--preset',
          'seed-cnn',
          '--epochs',
          '1',
          '--train-size',
          '40',
          '--seed',
          '3',
        ],
        { cwd: repoRoot, encoding: 'utf8', timeout: 120_000 },
      )
      expect(res.status, res.stderr).toBe(0)
      const lines = res.stdout
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
      const progress = lines.filter((l) => l.type === 'progress')
      expect(progress.length).toBeGreaterThan(0)
      expect(typeof progress[0]!.imagesPerSecond).toBe('number')
      const last = lines.at(-1) as { type: string; id: string; status: string; evaluation: { accuracy: number } }
      expect(last.type).toBe('run')
      expect(last.status).toBe('completed')
      expect(last.evaluation.accuracy).toBeGreaterThanOrEqual(0)
      // The built-in presets' bases ship with the app; a config naming an unregistered base says how to get one.
      const config = join(ws.dir, 'missing-base.json')
      writeFileSync(config, JSON.stringify({ name: 'no such base', model: { kind: 'transfer', baseId: 'resnet-nowhere' } }))
      const bad = spawnSync(process.execPath, ['bin/cifar-workbench.mjs', '--data-dir', ws.dir, 'train', '--config', config], {
        cwd: repoRoot,
        encoding: 'utf8',
      })
      expect(bad.status).toBe(1)
      expect(bad.stderr).toMatch(
        /error: base model resnet-nowhere not found; register it with `cifar-workbench models import PATH`/,
      )
    })
  })

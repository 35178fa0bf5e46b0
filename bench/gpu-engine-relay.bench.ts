// What the GPU engine's session protocol costs a run, measured where the compute is the same: the
// Seed CNN trained through the core on wasm in its worker, against the same run whose batches go to
// a GPU engine served on wasm in another thread (bench/gpu-engine/engine-thread.ts), relayed by the
// training service exactly as the desktop app relays them to its hidden WebGPU window: worker →
// main thread → engine, one step per message, weights mirrored after every epoch. The two alternate
// round by round; the figure is the ratio of their training images/s (epoch 1, with its warm-up,
// excluded). Chromium's own MessagePort and a GPU are not in it: the first is a copy like these, the
// second makes each step shorter, so the same overhead weighs more there.
//
//   node bin/run-ts.mjs bench/gpu-engine-relay.bench.ts [--images 2560] [--epochs 3] [--rounds 3] [--threads 2] [--batch 64]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type { Worker } from 'node:worker_threads'
import { GpuEngineEvent, type GpuEngineRequest } from '@shared/contract/gpu-engine'
import { ExperimentConfig, SEED_CNN } from '@shared/domain/config'
import { createCore } from '../src-main/core/compose'
import { startEngineWorker } from '../src-main/core/engine-worker'
import { helloOverPort, type GpuEngineLink, type GpuHost } from '../src-main/engine/backend/gpu-host'
import { cpuModel } from '../src-main/engine/backend'
import { writeSyntheticCifar } from '../tests/unit/training/fixtures'
import { waitFinal } from '../tests/support/runs'
import { median } from './timing'

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '2560' },
    epochs: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    threads: { type: 'string', default: '2' },
    batch: { type: 'string', default: '64' },
  },
})
const threads = Number(values.threads)
const epochs = Number(values.epochs)
const perBatch = Math.ceil(Number(values.images) / 5)

/** The engine thread as a GpuHost: hello on first connect, then every request and event relayed. */
function threadHost(): GpuHost & { close(): Promise<number> } {
  const worker: Worker = startEngineWorker(
    'gpu-engine-thread.js',
    'bench/gpu-engine/engine-thread.ts',
    { threads },
    {
      frame: { type: 'error', jobId: null, kind: 'failed' },
      key: 'message',
      label: 'the engine thread',
    },
  )
  const listeners = new Set<(event: GpuEngineEvent) => void>()
  worker.on('message', (raw: unknown) => {
    const event = GpuEngineEvent.parse(raw)
    listeners.forEach((listener) => listener(event))
  })
  const send = (request: GpuEngineRequest): void => worker.postMessage(request)
  const subscribe = (listener: (event: GpuEngineEvent) => void): (() => void) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }
  let ready: Promise<GpuEngineLink> | null = null
  return {
    connect: () => (ready ??= helloOverPort(send, subscribe, false)),
    close: () => worker.terminate(),
  }
}

const work = mkdtempSync(join(tmpdir(), 'cw-bench-relay-'))
const host = threadHost()
const core = await createCore({ dataDir: join(work, 'data'), shell: 'cli', gpuHost: host })
try {
  const dataset = await core.call('datasets.import', { path: writeSyntheticCifar(work, perBatch), name: 'generated' })
  await core.call('system.updateSettings', { threads })
  const config = ExperimentConfig.parse({
    name: 'relay bench',
    data: { datasetId: dataset.id, validationSplit: 0.1 },
    model: SEED_CNN,
    training: { epochs, batchSize: Number(values.batch), seed: 1 },
  })
  const speed = { wasm: [] as number[], engine: [] as number[] }
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [name, backend] of [
      ['wasm', 'wasm'],
      ['engine', 'webgpu'],
    ] as const) {
      await core.call('system.updateSettings', { backend })
      const { runIds } = await core.call('training.start', { config })
      const run = await waitFinal(core, runIds[0]!)
      if (run.status !== 'completed') throw new Error(`${name} run ${run.status}: ${run.failureMessage}`)
      const later = run.epochs.slice(1).map((e) => e.imagesPerSecond)
      speed[name].push(median(later))
      console.log(
        `round ${round + 1} ${name} (${run.backend}, ${run.device}): ${later.map((v) => v.toFixed(1)).join(', ')} images/s`,
      )
    }
  }
  const wasm = median(speed.wasm)
  const engine = median(speed.engine)
  console.log(
    `\nmachine: ${cpuModel()}, ${threads} wasm threads on each side; ${dataset.totals.train} images (90% train), batch ${values.batch}`,
  )
  console.log('| run | training images/s (median of rounds) | ratio to wasm in the worker |')
  console.log('| --- | --- | --- |')
  console.log(`| Seed CNN on wasm in the worker | ${wasm.toFixed(1)} | 1.00x |`)
  console.log(
    `| the same, batches through the GPU engine protocol (wasm in another thread) | ${engine.toFixed(1)} | ${(engine / wasm).toFixed(2)}x |`,
  )
} finally {
  await core.close()
  await host.close()
  rmSync(work, { recursive: true, force: true })
}

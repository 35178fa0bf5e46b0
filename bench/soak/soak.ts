// Many short runs in one process, measured after each: resident memory, tf tensors and open file
// descriptors. Shared by the soak test (40 runs) and `npm run bench:soak` (200).
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { ExperimentConfig, type BackendName, type ExperimentConfigInput } from '@shared/domain/config'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'
import { RunJob, type WorkerMessage } from '../../src-main/engine/training/messages'
import { runJob } from '../../src-main/engine/training/run-job'
import * as tf from '../../src-main/engine/tf'

export interface SoakSample {
  run: number
  kind: string
  status: string
  rssBytes: number
  /**
   * Anonymous memory (resident plus swapped out; Linux): what a leak grows. RSS also counts pages of
   * mapped libraries (libtensorflow), which the kernel drops and reloads as other processes need memory.
   */
  anonBytes: number
  heapUsedBytes: number
  /** Off-heap memory of ArrayBuffers (the dataset, cached rows, tensor data on the cpu/wasm backends). */
  arrayBufferBytes: number
  tensors: number
  tensorBytes: number
  fds: number
}

export interface SoakOptions {
  dataDir: string
  dataset: DatasetInfo
  base: BaseModelInfo
  runs: number
  backend?: BackendName | null
  onSample?(sample: SoakSample): void
}

/** A full collection between runs when the process allows one (a flag set at run time works for V8). */
function collector(): () => void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (() => void) | undefined
  return () => gc?.()
}

/** RssAnon + VmSwap from /proc/self/status, or RSS where there is no /proc. */
function anonymousBytes(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8')
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0)
    return (kb('RssAnon') + kb('VmSwap')) * 1024
  } catch {
    return process.memoryUsage().rss
  }
}

function openFds(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return -1 // no /proc (macOS, Windows): not measured
  }
}

/**
 * The run kinds cycled through: from scratch, a head on cached base features, and fine-tuning from
 * cached activations (every other time with a memory bound of 0, so its rows are read from disk).
 */
function kinds(base: BaseModelInfo): Array<{ kind: string; model: ExperimentConfigInput['model']; cacheMemoryMb?: number }> {
  const transfer = { kind: 'transfer' as const, baseId: base.id, inputSize: 32 as const, headDropout: 0 }
  const fineTune = { enabled: true, epochs: 1, learningRate: 1e-3, trainableLayers: 4 }
  return [
    { kind: 'scratch', model: { kind: 'scratch', convBlocks: 1, filters: [8], denseUnits: 16 } },
    { kind: 'head on cached features', model: transfer },
    { kind: 'fine-tuning, activations in memory', model: { ...transfer, fineTune } },
    { kind: 'scratch', model: { kind: 'scratch', convBlocks: 2, filters: [4, 8], denseUnits: 16 } },
    { kind: 'fine-tuning, activations on disk', model: { ...transfer, fineTune }, cacheMemoryMb: 0 },
  ]
}

export async function soak(o: SoakOptions): Promise<SoakSample[]> {
  const gc = collector()
  const cycle = kinds(o.base)
  const samples: SoakSample[] = []
  for (let i = 0; i < o.runs; i++) {
    const { kind, model, cacheMemoryMb } = cycle[i % cycle.length]!
    const config = ExperimentConfig.parse({
      name: `soak ${i + 1}`,
      data: { datasetId: o.dataset.id, validationSplit: 0.2 },
      model,
      training: { epochs: 1, batchSize: 32, seed: i },
    })
    const runId = `soak-${i + 1}`
    const job = RunJob.parse({
      runId,
      dataDir: o.dataDir,
      config,
      configHash: `soak-${i}`,
      dataset: o.dataset,
      base: model.kind === 'transfer' ? o.base : null,
      resume: false,
      backend: o.backend ?? null,
      threads: null,
      appVersion: 'soak',
      batchThrottleMs: 0,
      ...(cacheMemoryMb === undefined ? {} : { cacheMemoryMb }),
    })
    let done: Extract<WorkerMessage, { type: 'done' }> | null = null
    await runJob(
      job,
      (m) => {
        if (m.type === 'done') done = m
      },
      () => false,
    )
    rmSync(join(o.dataDir, 'runs', runId), { recursive: true, force: true })
    gc()
    const mem = process.memoryUsage()
    const t = tf.memory()
    const finished = done as Extract<WorkerMessage, { type: 'done' }> | null
    const sample: SoakSample = {
      run: i + 1,
      kind,
      status: finished ? (finished.status === 'failed' ? `failed: ${finished.message}` : finished.status) : 'no done message',
      rssBytes: mem.rss,
      anonBytes: anonymousBytes(),
      heapUsedBytes: mem.heapUsed,
      arrayBufferBytes: mem.arrayBuffers,
      tensors: t.numTensors,
      tensorBytes: t.numBytes,
      fds: openFds(),
    }
    samples.push(sample)
    o.onSample?.(sample)
  }
  return samples
}

export interface SoakGrowth {
  /** Median over the last window minus median over the first window after warm-up, in bytes. */
  rssBytes: number
  anonBytes: number
  heapUsedBytes: number
  arrayBufferBytes: number
  /** Least-squares slope of anonymous memory over the runs after warm-up, bytes per run. */
  anonSlopeBytesPerRun: number
  /** Distinct values after warm-up (one value: no growth at all). */
  tensors: number[]
  fds: number[]
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]!
}

/** Growth after the first `warmup` runs, compared window by window (a fifth of the rest each). */
export function growth(samples: SoakSample[], warmup: number): SoakGrowth {
  const rest = samples.slice(warmup)
  const w = Math.max(3, Math.floor(rest.length / 5))
  const first = rest.slice(0, w)
  const last = rest.slice(-w)
  const delta = (key: 'rssBytes' | 'anonBytes' | 'heapUsedBytes' | 'arrayBufferBytes') =>
    median(last.map((s) => s[key])) - median(first.map((s) => s[key]))
  const xs = rest.map((s) => s.run)
  const ys = rest.map((s) => s.anonBytes)
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length
  const my = ys.reduce((a, b) => a + b, 0) / ys.length
  const slope =
    xs.reduce((a, x, i) => a + (x - mx) * (ys[i]! - my), 0) /
    Math.max(
      1e-9,
      xs.reduce((a, x) => a + (x - mx) ** 2, 0),
    )
  return {
    rssBytes: delta('rssBytes'),
    anonBytes: delta('anonBytes'),
    heapUsedBytes: delta('heapUsedBytes'),
    arrayBufferBytes: delta('arrayBufferBytes'),
    anonSlopeBytesPerRun: slope,
    tensors: [...new Set(rest.map((s) => s.tensors))],
    fds: [...new Set(rest.map((s) => s.fds))],
  }
}

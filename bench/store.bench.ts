// Run store benchmark: `npm run bench`. Prints a Markdown report (paste into BENCHMARKS.md).
//   1. 1,000,000 batch points through appendBatchPoints (downsampled) vs raw INSERTs of the same rows
//   2. list 10,000 runs with filters, sorted, one page (target < 50 ms)
//   3. load 10 full runs for comparison (target < 100 ms)
//   4. a real small tfjs training step with and without recording its metrics (cpu and wasm)
import { rmSync } from 'node:fs'
import { cpus } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import type { RunBundle } from '@shared/contract'
import type { BatchPoint, RunDetail } from '@shared/domain/run'
import { initBackend } from '../src-main/engine/backend'
import * as tf from '../src-main/engine/tf'
import { MAX_STORED_POINTS, openStore, type RunStore } from '../src-main/store'
import { epochMetric, evaluation, scratchConfig, startInfo, tempDir, transferConfig } from '../tests/fixtures/store/factories'
import { median, ms, percentile, timeIt } from './timing'

const dir = tempDir('cifar-store-bench-')
const lines: string[] = []
const say = (text: string) => {
  lines.push(text)
  console.log(text)
}

function repeat(n: number, fn: () => void): number[] {
  fn() // warm-up (statement cache, page cache)
  return Array.from({ length: n }, () => timeIt(fn))
}

function point(step: number): BatchPoint {
  return {
    phase: 'train',
    epoch: 1 + Math.floor(step / 1000),
    step,
    loss: 1 + Math.sin(step / 300) * 0.2 + Math.random() * 0.05,
    accuracy: 0.5 + Math.random() * 0.1,
  }
}

function runningRun(store: RunStore, name: string): string {
  const run = store.createRun({ config: scratchConfig({ name }) })
  store.startRun(run.id, startInfo)
  return run.id
}

// ------------------------------------------------------------------ 1. batch points
function benchBatchPoints(): void {
  const opened = openStore(join(dir, 'points.sqlite'))
  const store = opened.runs
  const total = 1_000_000
  const perCall = 100
  const id = runningRun(store, 'million points')
  const t = performance.now()
  for (let s = 1; s <= total; s += perCall)
    store.appendBatchPoints(
      id,
      Array.from({ length: perCall }, (_, i) => point(s + i)),
    )
  const storeMs = performance.now() - t
  const stored = store.getRun(id).batchPoints.length

  // One point per call, the way a trainer recording every batch would write them.
  const single = runningRun(store, 'one point per call')
  const perPoint: number[] = []
  for (let s = 1; s <= 20_000; s++) {
    const p = point(s)
    perPoint.push(timeIt(() => store.appendBatchPoints(single, [p])))
  }
  opened.close()

  // Raw throughput of the same rows, no downsampling: one transaction per 100 rows and one for all.
  const raw = new Database(join(dir, 'raw.sqlite'))
  raw.pragma('journal_mode = WAL')
  raw.pragma('synchronous = NORMAL')
  raw.exec(
    'CREATE TABLE points (run_id TEXT, step INTEGER, phase TEXT, epoch INTEGER, loss REAL, accuracy REAL, PRIMARY KEY (run_id, step)) WITHOUT ROWID',
  )
  const insert = raw.prepare('INSERT INTO points VALUES (?, ?, ?, ?, ?, ?)')
  const batch = raw.transaction((from: number, n: number, runId: string) => {
    for (let i = 0; i < n; i++) {
      const p = point(from + i)
      insert.run(runId, p.step, p.phase, p.epoch, p.loss, p.accuracy)
    }
  })
  const rawBatchedMs = timeIt(() => {
    for (let s = 1; s <= total; s += perCall) batch(s, perCall, 'a')
  })
  const rawOneTxMs = timeIt(() => batch(1, total, 'b'))
  raw.close()

  say('### 1,000,000 batch points')
  say('')
  say('| write path | time | points/s | rows kept |')
  say('|---|---|---|---|')
  say(
    `| appendBatchPoints, 100 points per call (validated, downsampled) | ${(storeMs / 1000).toFixed(2)} s | ${Math.round(total / (storeMs / 1000)).toLocaleString('en')} | ${stored.toLocaleString('en')} (cap ${MAX_STORED_POINTS.toLocaleString('en')}) |`,
  )
  say(
    `| raw INSERT, same rows, 1 transaction per 100 rows | ${(rawBatchedMs / 1000).toFixed(2)} s | ${Math.round(total / (rawBatchedMs / 1000)).toLocaleString('en')} | ${total.toLocaleString('en')} |`,
  )
  say(
    `| raw INSERT, same rows, 1 transaction | ${(rawOneTxMs / 1000).toFixed(2)} s | ${Math.round(total / (rawOneTxMs / 1000)).toLocaleString('en')} | ${total.toLocaleString('en')} |`,
  )
  say('')
  say(
    `appendBatchPoints with one point per call (20,000 calls): median ${(median(perPoint) * 1000).toFixed(0)} µs, p99 ${(percentile(perPoint, 0.99) * 1000).toFixed(0)} µs, max ${ms(Math.max(...perPoint))} (the max is a re-bucketing when the run doubles in length).`,
  )
  say('')
}

// ------------------------------------------------------------------ 2 + 3. list and compare
function syntheticRun(i: number): RunDetail {
  const transfer = i % 3 === 0
  const config = transfer ? transferConfig(i, `transfer ${i}`) : scratchConfig({ name: `scratch ${i % 50}`, seed: i })
  const epochs = Array.from({ length: 10 }, (_, e) => epochMetric(e + 1, 0.3 + ((i * 7 + e * 13) % 60) / 100))
  const created = new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString()
  const statuses = ['completed', 'completed', 'completed', 'failed', 'cancelled', 'interrupted'] as const
  return {
    id: `bench-${String(i).padStart(5, '0')}`,
    name: config.name,
    status: statuses[i % statuses.length]!,
    modelKind: config.model.kind,
    baseId: transfer ? 'mobilenetv2-imagenet' : null,
    datasetId: 'cifar10',
    configHash: '',
    seed: i,
    tags: i % 10 === 0 ? ['baseline', 'paper'] : i % 4 === 0 ? ['sweep'] : [],
    createdAt: created,
    startedAt: created,
    finishedAt: created,
    wallTimeMs: 60_000 + (i % 100) * 1000,
    epochsDone: 10,
    final: { loss: null, accuracy: null, valLoss: null, valAccuracy: null },
    bestValAccuracy: null,
    bestEpoch: null,
    testAccuracy: null,
    totalParams: 100_000 + i,
    trainableParams: 100_000 + i,
    imagesPerSecond: 500,
    backend: 'cpu',
    config,
    failureMessage: null,
    notes: i % 25 === 0 ? `note ${i}: augmentation helps` : '',
    phaseTimes: { train: 60_000 },
    device: null,
    appVersion: '0.1.0',
    tfjsVersion: '4.22.0',
    datasetHash: null,
    sizes: { train: 45_000, validation: 5000, test: 10_000 },
    modelSummary: startInfo.modelSummary,
    phaseParams: [],
    nonTrainableParams: 0,
    modelSizeBytes: 400_000,
    epochs,
    batchPoints: [],
    evaluation: i % 6 < 3 ? evaluation(0.4 + (i % 50) / 100, 10) : null,
    artifacts: [],
  }
}

function benchQueries(): void {
  const opened = openStore(join(dir, 'runs.sqlite'))
  const store = opened.runs
  const runs = Array.from({ length: 10_000 }, (_, i) => syntheticRun(i))
  const bundle: RunBundle = {
    format: 'cifar-workbench-runs',
    version: 1,
    exportedAt: new Date().toISOString(),
    appVersion: '0.1.0',
    runs,
    epochCsv: {},
  }
  const importMs = timeIt(() => opened.bundles.importBundle(bundle))

  const queries: Array<[string, Parameters<RunStore['listRuns']>[0]]> = [
    ['no filter, newest first', {}],
    ['status completed, sort by test accuracy', { status: ['completed'], sortBy: 'testAccuracy' }],
    ['model kind transfer + tag "paper"', { modelKind: 'transfer', tag: 'paper' }],
    ['text "augmentation" in name/notes', { text: 'augmentation' }],
    [
      'status + kind + text, sort by name asc, page 5',
      { status: ['completed', 'failed'], modelKind: 'scratch', text: 'scratch 1', sortBy: 'name', sortDir: 'asc', offset: 200 },
    ],
  ]
  say('### Listing 10,000 runs (page of 50, with total count)')
  say('')
  say(`(10,000 runs with 10 epochs each imported in ${(importMs / 1000).toFixed(2)} s as one bundle.)`)
  say('')
  say('| query | matches | median | p95 | target |')
  say('|---|---|---|---|---|')
  for (const [label, q] of queries) {
    const times = repeat(30, () => store.listRuns(q))
    say(`| ${label} | ${store.listRuns(q).total} | ${ms(median(times))} | ${ms(percentile(times, 0.95))} | < 50 ms |`)
  }
  say('')

  // Compare: 10 runs, each 50 epochs and a full set of downsampled batch points.
  const ids: string[] = []
  for (let r = 0; r < 10; r++) {
    const id = runningRun(store, `compare ${r}`)
    for (let e = 1; e <= 50; e++) store.appendEpoch(id, epochMetric(e, 0.5 + e / 200))
    for (let s = 1; s <= 200_000; s += 1000)
      store.appendBatchPoints(
        id,
        Array.from({ length: 1000 }, (_, i) => point(s + i)),
      )
    store.saveEvaluation(id, evaluation(0.8, 10))
    store.finishRun(id, 'completed')
    ids.push(id)
  }
  const loaded = store.compareRuns(ids)
  const points = loaded.reduce((n, r) => n + r.batchPoints.length, 0)
  const compare = repeat(20, () => store.compareRuns(ids))
  const one = repeat(20, () => store.getRun(ids[0]!))
  const groups = repeat(10, () => store.groupRuns())
  say('### Loading runs in full')
  say('')
  say('| call | median | p95 | target |')
  say('|---|---|---|---|')
  say(
    `| compareRuns, 10 runs (50 epochs + ${Math.round(points / 10).toLocaleString('en')} batch points each, evaluation) | ${ms(median(compare))} | ${ms(percentile(compare, 0.95))} | < 100 ms |`,
  )
  say(`| getRun, 1 of those runs | ${ms(median(one))} | ${ms(percentile(one, 0.95))} | |`)
  say(`| groupRuns over all 10,010 runs | ${ms(median(groups))} | ${ms(percentile(groups, 0.95))} | |`)
  say('')
  opened.close()
}

// ------------------------------------------------------------------ 4. training step with/without recording
async function benchTrainingStep(backend: 'cpu' | 'wasm', pairs: number): Promise<void> {
  try {
    await initBackend(backend)
  } catch (error) {
    say(`| ${backend} | not available: ${(error as Error).message.split('\n')[0]} | | | | | | | |`)
    return
  }
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 8, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu', padding: 'same' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 32, activation: 'relu' }),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  })
  model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  const batch = 16
  const x = tf.randomUniform([batch, 32, 32, 3])
  const y = tf.oneHot(tf.randomUniform([batch], 0, 10, 'int32'), 10)
  const opened = openStore(join(dir, `train-${backend}.sqlite`))
  const store = opened.runs
  const id = runningRun(store, `training step ${backend}`)
  let step = 0
  const trainStep = async (record: boolean): Promise<{ total: number; point: number; epoch: number }> => {
    const t = performance.now()
    const [loss, acc] = (await model.trainOnBatch(x, y)) as number[]
    step++
    let point = 0
    let epoch = 0
    if (record) {
      const r = performance.now()
      store.appendBatchPoints(id, [{ phase: 'train', epoch: step, step, loss: loss!, accuracy: acc! }])
      const e = performance.now()
      store.appendEpoch(id, {
        phase: 'train',
        epoch: step,
        loss: loss!,
        accuracy: acc!,
        valLoss: loss!,
        valAccuracy: acc!,
        learningRate: 1e-3,
        durationMs: 1,
        imagesPerSecond: 1,
      })
      point = e - r
      epoch = performance.now() - e
    }
    return { total: performance.now() - t, point, epoch }
  }
  for (let i = 0; i < 3; i++) await trainStep(false) // warm-up: kernels, allocations
  const without: number[] = []
  const withRec: number[] = []
  const points: number[] = []
  const epochs: number[] = []
  // Steps alternate in ABBA order so load drifts and "which came first" affect both sides alike.
  // A third series of plain steps gives the noise floor (plain vs plain) on this machine right now.
  const control: number[] = []
  for (let pair = 0; pair < pairs; pair++) {
    if (pair % 10 === 0) process.stderr.write(`${backend}: step pair ${pair + 1}/${pairs}\n`)
    for (const record of pair % 2 === 0 ? [false, true, false] : [true, false, false]) {
      const r = await trainStep(record)
      if (record) {
        withRec.push(r.total)
        points.push(r.point)
        epochs.push(r.epoch)
      } else if (without.length <= control.length) without.push(r.total)
      else control.push(r.total)
    }
  }
  opened.close()
  x.dispose()
  y.dispose()
  model.dispose()
  const a = median(without)
  const b = median(withRec)
  const noise = Math.abs(median(control) / a - 1) * 100
  const rec = median(points) + median(epochs)
  say(
    `| ${backend} | ${pairs} | ${ms(a)} | ${ms(b)} | ${((b / a - 1) * 100).toFixed(1)}% | ${noise.toFixed(1)}% | ${(median(points) * 1000).toFixed(0)} µs | ${(median(epochs) * 1000).toFixed(0)} µs | ${((rec / a) * 100).toFixed(2)}% |`,
  )
}

async function main(): Promise<void> {
  say(
    `Machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, Node ${process.version}, ${new Date().toISOString().slice(0, 10)}.`,
  )
  say('')
  benchBatchPoints()
  benchQueries()
  say('### Training step with and without recording its metrics')
  say('')
  say(
    'Small CNN (conv8-pool-conv16-pool-dense32-dense10), batch 16 of 32×32×3, `trainOnBatch`, recording in line on the same thread (the worst case: the app records from the main process while the worker trains). "With" records one batch point and one epoch row (two transactions) after every step; three series (without, with, without again as a control) interleaved in ABBA order; medians.',
  )
  say('')
  say(
    '| backend | steps per series | step without | step with recording | difference | noise floor (without vs without) | appendBatchPoints | appendEpoch | recording / step |',
  )
  say('|---|---|---|---|---|---|---|---|---|')
  await benchTrainingStep('cpu', 16)
  await benchTrainingStep('wasm', 120)
  say('')
}

try {
  await main()
} finally {
  rmSync(dir, { recursive: true, force: true })
}

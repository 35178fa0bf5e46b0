// Why a Seed CNN epoch on 45,000 images trains slower per image than one on 6,400: the real training
// loop (train() with the app's callbacks, PixelSplit over a 50,000-image uint8 cache) on a small and a
// large training split in alternation, the same number of batches each, with where each batch's time
// goes: batch assembly (gather + preprocess + tensor), the optimizer step, the loop and callbacks
// around them, garbage collection, and the memory left behind.
//
//   node bin/run-ts.mjs bench/epoch-size.bench.ts [--backend tensorflow|wasm] [--batches 60] [--rounds 2]
import { randomFillSync } from 'node:crypto'
import { loadavg } from 'node:os'
import { PerformanceObserver } from 'node:perf_hooks'
import { parseArgs } from 'node:util'
import { ExperimentConfig, SEED_CNN } from '@shared/domain/config'
import * as tf from '../src-main/engine/tf'
import { initBackend } from '../src-main/engine/backend'
import { buildModel } from '../src-main/engine/architectures'
import { modelForward } from '../src-main/engine/training/forward'
import { PixelSplit } from '../src-main/engine/training/sources'
import { train } from '../src-main/engine/training/trainer'
import { median } from './timing'

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'tensorflow' },
    batches: { type: 'string', default: '60' },
    rounds: { type: 'string', default: '2' },
    sizes: { type: 'string', default: '6400,45000' },
  },
})
const backendName = values.backend === 'wasm' ? 'wasm' : 'tensorflow'
const batches = Number(values.batches)
const rounds = Number(values.rounds)
const sizes = values.sizes.split(',').map(Number)
const backend = await initBackend(backendName)
const IMAGES = 50_000
const images = new Uint8Array(IMAGES * 32 * 32 * 3)
for (let o = 0; o < images.length; o += 65_536) randomFillSync(images, o, Math.min(65_536, images.length - o))
const labels = Uint8Array.from({ length: IMAGES }, (_, i) => i % 10)

const config = ExperimentConfig.parse({
  name: 'epoch size',
  data: { datasetId: 'synthetic' },
  model: SEED_CNN,
  training: { epochs: 1, batchSize: 64, optimizer: 'adam', learningRate: 1e-3, seed: 1 },
})
const built = buildModel(config.model, { numClasses: 10, imageSize: 32, seed: 1, base: null })

// GC pauses: the observer's entries arrive after the synchronous loop, so a segment reads them
// after yielding once.
let gcMs = 0
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration
}).observe({ entryTypes: ['gc'] })
const settle = () => new Promise((r) => setTimeout(r, 50))

// The optimizer step (forward, backward, update) timed apart from everything around it, step by step.
let stepMs: number[] = []
const { minimize } = tf.Optimizer.prototype as { minimize: (this: tf.Optimizer, ...args: unknown[]) => tf.Scalar | null }
tf.Optimizer.prototype.minimize = function (this: tf.Optimizer, ...args: unknown[]) {
  const t0 = performance.now()
  const out = minimize.apply(this, args)
  stepMs.push(performance.now() - t0)
  return out
}

interface Segment {
  size: number
  batchMs: number[]
  inputMs: number
  /** Median of the optimizer step, and of each batch's time outside it (assembly, labels, loss readback, callbacks). */
  stepMs: number
  outsideMs: number
  gcMs: number
  tensors: number
  bytes: number
  /** The process' resident memory and (wasm) the backend's heap after the segment, in MB. */
  rssMb: number
  heapMb: number | null
}

/** Size of the wasm backend's linear memory (where its tensors and XNNPACK's caches live), or null. */
function wasmHeapMb(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8?: Uint8Array } }
  const heap = backend.wasm?.HEAPU8
  return heap ? heap.buffer.byteLength / 2 ** 20 : null
}

/**
 * K batches of one epoch over a training split of `size` images spread over the whole cache, or,
 * with `distinct`, cycling through only that many different images (locality apart from split size).
 */
async function segment(size: number, distinct = size): Promise<Segment> {
  const indices = Int32Array.from({ length: size }, (_, i) => ((i % distinct) * 7919) % IMAGES)
  const split = new PixelSplit({ images, labels, height: 32, width: 32, indices, preprocessing: 'unit', inputSize: 32 })
  const validation = new PixelSplit({
    images,
    labels,
    height: 32,
    width: 32,
    indices: new Int32Array(0),
    preprocessing: 'unit',
    inputSize: 32,
  })
  let inputMs = 0
  const timedSplit = {
    count: split.count,
    labels: split.labels,
    input: (...args: Parameters<PixelSplit['input']>) => {
      const t0 = performance.now()
      const x = split.input(...args)
      inputMs += performance.now() - t0
      return x
    },
  }
  const stamps: number[] = []
  await settle()
  const gcBefore = gcMs
  stepMs = []
  await train({
    config,
    runId: 'epoch-size',
    configHash: 'x',
    checkpointDir: null,
    resume: null,
    batchThrottleMs: 100,
    hooks: {
      setupPhase: () => ({
        model: built.model,
        forward: modelForward(built.model),
        train: timedSplit,
        validation,
        augmentFor: null,
      }),
      // The app's hooks: throttled progress with the engine's memory, batch points once per epoch.
      onBatch: () => void tf.memory(),
      onBatchPoints: () => {},
      isCancelled: () => {
        stamps.push(performance.now())
        return stamps.length > batches + 1
      },
    },
  })
  const batchMs = stamps.slice(2).map((t, i) => t - stamps[i + 1]!)
  const mem = tf.memory()
  const steps = stamps.length - 1
  return {
    size,
    batchMs,
    inputMs: inputMs / steps,
    stepMs: median(stepMs),
    // Batch b runs from stamps[b] to stamps[b + 1] and holds step b - 1.
    outsideMs: median(batchMs.map((ms, i) => ms - (stepMs[i] ?? 0))),
    gcMs: (await settle().then(() => gcMs - gcBefore)) / steps,
    tensors: mem.numTensors,
    bytes: mem.numBytes,
    rssMb: process.memoryUsage.rss() / 2 ** 20,
    heapMb: wasmHeapMb(),
  }
}

await segment(640) // warm-up: kernels compiled, buffers allocated
const results: (Segment & { distinct: number })[] = []
const variants = [...sizes.map((s) => [s, s] as const), [sizes.at(-1)!, sizes[0]!] as const]
for (let r = 0; r < rounds; r++)
  for (const [size, distinct] of r % 2 ? [...variants].reverse() : variants)
    results.push({ ...(await segment(size, distinct)), distinct })

// Within an epoch: the median batch time of each tenth of the segment (a slowdown that builds up shows here).
for (const s of results) {
  const tenth = Math.max(1, Math.floor(s.batchMs.length / 10))
  const parts = Array.from({ length: Math.floor(s.batchMs.length / tenth) }, (_, i) =>
    median(s.batchMs.slice(i * tenth, (i + 1) * tenth)),
  )
  console.log(`split ${s.size}: median ms/batch per tenth of the segment: ${parts.map((v) => v.toFixed(0)).join(' ')}`)
}
console.log(`\nbackend ${backend.name}, ${batches} batches of 64 per segment, load average ${loadavg()[0]!.toFixed(1)}\n`)
console.log(
  '| training split (distinct images) | round | median ms/batch | images/s | first 10 / last 10 batches (ms) | batch assembly ms | optimizer step ms | outside the step ms | GC ms / batch | tensors after | RSS MB | wasm heap MB |',
)
console.log('| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |')
results.forEach((s, i) => {
  const m = median(s.batchMs)
  const first = median(s.batchMs.slice(0, 10))
  const last = median(s.batchMs.slice(-10))
  console.log(
    `| ${s.size} (${s.distinct}) | ${Math.floor(i / variants.length) + 1} | ${m.toFixed(1)} | ${(64000 / m).toFixed(0)} | ${first.toFixed(1)} / ${last.toFixed(1)} | ${s.inputMs.toFixed(2)} | ${s.stepMs.toFixed(1)} | ${s.outsideMs.toFixed(2)} | ${s.gcMs.toFixed(2)} | ${s.tensors} | ${s.rssMb.toFixed(0)} | ${s.heapMb?.toFixed(0) ?? '–'} |`,
  )
})

// Engine speed: images/s of the Seed CNN, a VGG16 conv base and MobileNetV2 on every available tfjs
// backend (wasm with 1 and 2 threads, native TensorFlow via tfjs-node when `npm run native:install`
// built it, cpu at tiny sizes), next to the same models in Keras on TensorFlow (CPU) and PyTorch
// (CPU), run in the same session by bench/peers/*.py with the reference Python (peers/python.ts),
// with FLOP counts, FLOP rates, ratios to each peer and a per-kernel profile of one training step.
//
//   npm run bench:engine                             one pass of every column, Markdown on stdout, JSON under .cache/
//   npm run bench:engine -- --quick                  fewer iterations (smoke test)
//   npm run bench:engine -- --runs 3                 three passes, columns in rotated order; medians and every pass's ratio
//   npm run bench:engine -- --only tensorflow,keras  some columns: wasm1, wasm2, tensorflow, cpu, keras, keras-eager, torch
//   npm run bench:engine -- --tf-lib DIR             a second tensorflow column on the libtensorflow in DIR
//   npm run bench:engine -- --profile                per-kernel profiles of one training step per tfjs column (first pass)
//
// Every framework gets the same thread count (one per core), as intra-op and as inter-op threads.
//
// Each backend configuration runs in its own child process: the wasm thread count is fixed when the
// backend starts, and restarting it would discard the models' weights.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as tf from '../src-main/engine/tf'
import { setupWasm } from '../src-main/engine/backend/wasm/setup'
import { registerWasmTrainingKernels } from '../src-main/engine/backend/wasm/kernels'
import { loadedTensorflowVersion, loadNative } from '../src-main/engine/backend/detect'
import { nativeThreads } from '../src-main/engine/backend/native-env'
import { createOptimizer } from '../src-main/engine/training/optimizer'
import { fuseRelu6Pairs, useRelu6Kernel } from '../src-main/engine/architectures/relu6'
import { runPeerScript } from './peers/python'
import { ExperimentConfig, SEED_CNN } from '@shared/domain/config'
import { buildModel } from '../src-main/engine/architectures'
import { modelForward } from '../src-main/engine/training/forward'
import { PixelSplit } from '../src-main/engine/training/sources'
import { train as trainLoop } from '../src-main/engine/training/trainer'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MOBILENET_DIR = join(repoRoot, '../shared/models/mobilenetv2-imagenet')

type Workload = 'seed-forward' | 'seed-train' | 'seed-epoch' | 'vgg16-forward' | 'mobilenet-forward' | 'mobilenet-finetune'
const WORKLOADS: Workload[] = [
  'seed-forward',
  'seed-train',
  'seed-epoch',
  'vgg16-forward',
  'mobilenet-forward',
  'mobilenet-finetune',
]
/** seed-epoch: one epoch of the whole training loop (ours: train(); Keras: model.fit) over this many uint8 images. */
const EPOCH_IMAGES = 1280

interface Result {
  workload: Workload
  backend: string
  batch: number
  imagesPerSecond: number | null
  gflops: number | null
  /** FLOPs per image of one step, counted from the convolution and matmul kernels it runs. */
  flopsPerImage: number
}

interface KernelTime {
  kernel: string
  ms: number
  calls: number
}

// ---------------------------------------------------------------- models (random weights, seeded)

function seedCnn(): tf.LayersModel {
  const m = tf.sequential()
  m.add(tf.layers.conv2d({ inputShape: [32, 32, 3], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu' }))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, padding: 'same', activation: 'relu' }))
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }))
  m.add(tf.layers.flatten())
  m.add(tf.layers.dense({ units: 512, activation: 'relu' }))
  m.add(tf.layers.dense({ units: 10, activation: 'softmax' }))
  m.compile({ optimizer: createOptimizer('adam', 1e-3), loss: 'categoricalCrossentropy' })
  return m
}

/** Keras VGG16 without its top: 13 3x3 convs in 5 blocks, each block closed by 2x2 max pooling. */
function vgg16Base(size: number): tf.LayersModel {
  const m = tf.sequential()
  const blocks = [
    [64, 2],
    [128, 2],
    [256, 3],
    [512, 3],
    [512, 3],
  ] as const
  let first = true
  blocks.forEach(([filters, convs], b) => {
    for (let c = 0; c < convs; c++) {
      m.add(
        tf.layers.conv2d({
          ...(first ? { inputShape: [size, size, 3] } : {}),
          filters,
          kernelSize: 3,
          padding: 'same',
          activation: 'relu',
          name: `block${b + 1}_conv${c + 1}`,
        }),
      )
      first = false
    }
    m.add(tf.layers.maxPooling2d({ poolSize: 2, name: `block${b + 1}_pool` }))
  })
  return m
}

async function mobilenetV2(): Promise<tf.LayersModel | null> {
  const manifestPath = join(MOBILENET_DIR, 'model.json')
  if (!existsSync(manifestPath)) return null
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    modelTopology: object
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]
  }
  const group = manifest.weightsManifest[0]
  if (!group) throw new Error(`${manifestPath}: weightsManifest is empty`)
  const shards = group.paths.map((p) => readFileSync(join(MOBILENET_DIR, p)))
  const all = Buffer.concat(shards)
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength)
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: manifest.modelTopology, weightSpecs: group.weights, weightData }))
}

/** MobileNetV2 base + global average pooling + dense 10; only layers from `block_13_expand` on train. */
function mobilenetFinetune(base: tf.LayersModel, size: number): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 3] })
  let h = base.apply(input) as tf.SymbolicTensor
  h = tf.layers.globalAveragePooling2d({}).apply(h) as tf.SymbolicTensor
  const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(h) as tf.SymbolicTensor
  let trainable = false
  for (const layer of base.layers) {
    if (layer.name === 'block_13_expand') trainable = true
    layer.trainable = trainable
    useRelu6Kernel(layer) // as the engine's transfer models do
  }
  fuseRelu6Pairs(base.layers)
  const model = tf.model({ inputs: input, outputs: out })
  model.compile({ optimizer: createOptimizer('adam', 1e-4), loss: 'categoricalCrossentropy' })
  return model
}

// ---------------------------------------------------------------- FLOP counting

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1)

/** FLOPs (2 per multiply-add) of one top-level convolution or matmul kernel call; 0 for the rest. */
function kernelFlops(
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
  out: tf.TensorInfo,
): number {
  const shape = (n: string): number[] => inputs[n]?.shape ?? []
  switch (name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      const [kh = 0, kw = 0, ci = 0] = shape('filter')
      return 2 * size(out.shape) * kh * kw * ci
    }
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': {
      const [kh = 0, kw = 0] = shape('filter')
      return 2 * size(out.shape) * kh * kw
    }
    case 'Conv2DBackpropInput': {
      const [kh = 0, kw = 0, , co = 0] = shape('filter')
      return 2 * size(out.shape) * kh * kw * co
    }
    case 'Conv2DBackpropFilter': {
      const [kh = 0, kw = 0, ci = 0] = (attrs['filterShape'] as number[] | undefined) ?? []
      return 2 * size(shape('dy')) * kh * kw * ci
    }
    case 'DepthwiseConv2dNativeBackpropInput':
    case 'DepthwiseConv2dNativeBackpropFilter': {
      const f = (attrs['filterShape'] as number[] | undefined) ?? shape('filter')
      return 2 * size(shape('dy')) * (f[0] ?? 0) * (f[1] ?? 0)
    }
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const a = shape('a')
      const k = attrs['transposeA'] ? (a[a.length - 2] ?? 0) : (a[a.length - 1] ?? 0)
      return 2 * size(out.shape) * k
    }
    default:
      return 0
  }
}

/** FLOPs of everything `fn` computes, counted from the top-level kernels it runs. */
async function countFlops(fn: () => Promise<void>): Promise<number> {
  let total = 0
  await withKernelHook((name, inputs, attrs, out) => {
    total += kernelFlops(name, inputs, attrs, out)
  }, fn)
  return total
}

type KernelHook = (
  name: string,
  inputs: Record<string, tf.TensorInfo>,
  attrs: Record<string, unknown>,
  out: tf.TensorInfo,
  ms: number,
) => void

/** Calls `hook` after every top-level kernel run during `fn` (kernels a composite kernel runs are inside it). */
async function withKernelHook(hook: KernelHook, fn: () => Promise<void>): Promise<void> {
  const engine = tf.engine() as unknown as { runKernel: (name: string, inputs: unknown, attrs: unknown) => unknown }
  const original = engine.runKernel.bind(engine)
  let depth = 0
  engine.runKernel = (name, inputs, attrs) => {
    if (depth > 0) return original(name, inputs, attrs)
    depth++
    const t0 = performance.now()
    let out: unknown
    try {
      out = original(name, inputs, attrs)
    } finally {
      depth--
    }
    const first = (Array.isArray(out) ? out[0] : out) as tf.TensorInfo
    hook(
      name,
      (inputs ?? {}) as Record<string, tf.TensorInfo>,
      (attrs ?? {}) as Record<string, unknown>,
      first,
      performance.now() - t0,
    )
    return out
  }
  try {
    await fn()
  } finally {
    engine.runKernel = original
  }
}

// ---------------------------------------------------------------- timing

/**
 * Seconds per step: the best of `rounds` rounds of `iterations` steps. The machine is shared, so the
 * fastest round is the one least disturbed by other processes (the PyTorch peer does the same).
 */
async function time(
  label: string,
  iterations: number,
  warmup: number,
  rounds: number,
  step: () => Promise<void>,
): Promise<number> {
  for (let i = 0; i < warmup; i++) await step()
  let best = Infinity
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now()
    for (let i = 0; i < iterations; i++) await step()
    best = Math.min(best, (performance.now() - t0) / 1000 / iterations)
  }
  process.stderr.write(`  ${label}: ${(best * 1000).toFixed(1)} ms/step\n`)
  return best
}

function batchOf(batch: number, size: number): { xs: tf.Tensor4D; ys: tf.Tensor2D } {
  return tf.tidy(() => ({
    xs: tf.randomUniform<tf.Rank.R4>([batch, size, size, 3], -1, 1, 'float32', 1),
    ys: tf.oneHot(
      tf.tensor1d(
        Array.from({ length: batch }, (_, i) => i % 10),
        'int32',
      ),
      10,
    ) as tf.Tensor2D,
  }))
}

/** Wall time of each top-level kernel during `fn` (composite kernels include their inner kernels). */
async function profileKernels(fn: () => Promise<void>): Promise<KernelTime[]> {
  const times = new Map<string, KernelTime>()
  await withKernelHook((name, _inputs, _attrs, _out, ms) => {
    const entry = times.get(name) ?? { kernel: name, ms: 0, calls: 0 }
    entry.ms += ms
    entry.calls++
    times.set(name, entry)
  }, fn)
  return [...times.values()].sort((a, b) => b.ms - a.ms)
}

// ---------------------------------------------------------------- one backend configuration (child)

interface ChildOutput {
  backend: string
  threads: number
  results: Result[]
  profile: { workload: Workload; total: number; kernels: KernelTime[] }[]
}

type ChildBackend = 'cpu' | 'wasm' | 'tensorflow'

async function runChild(backend: ChildBackend, threads: number, quick: boolean, withProfile: boolean): Promise<ChildOutput> {
  let label: string = backend
  if (backend === 'tensorflow') {
    const reason = await loadNative('tensorflow')
    if (reason) throw new Error(reason)
    threads = nativeThreads(cpus().length)
    label = `tensorflow ${(await loadedTensorflowVersion('tensorflow')) ?? '?'} ${threads}T`
  }
  if (backend === 'wasm') {
    const setup = await setupWasm({ threads })
    registerWasmTrainingKernels()
    if (setup.fallbackReason) process.stderr.write(`  wasm: ${setup.fallbackReason}\n`)
    label = `wasm ${setup.threads}T`
    threads = setup.threads
  }
  await tf.setBackend(backend)
  if (tf.getBackend() !== backend) throw new Error(`backend is ${tf.getBackend()}, not ${backend}`)
  const isCpu = backend === 'cpu'
  const iterations = quick ? 2 : isCpu ? 1 : 4
  const warmup = isCpu ? 0 : quick ? 1 : 2
  const rounds = quick || isCpu ? 1 : 3
  const results: Result[] = []
  const profile: ChildOutput['profile'] = []

  const measure = async (workload: Workload, batch: number, step: () => Promise<void>): Promise<void> => {
    const seconds = await time(`${label} ${workload} b${batch}`, iterations, warmup, rounds, step)
    const ips = batch / seconds
    const flopsPerImage = (await countFlops(step)) / batch
    results.push({ workload, backend: label, batch, imagesPerSecond: ips, gflops: (ips * flopsPerImage) / 1e9, flopsPerImage })
  }
  const forward = (model: tf.LayersModel, xs: tf.Tensor) => async (): Promise<void> => {
    const y = model.predict(xs) as tf.Tensor
    await y.data()
    y.dispose()
  }
  const train = (model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor) => async (): Promise<void> => {
    await model.trainOnBatch(xs, ys)
  }

  // Seed CNN
  {
    const model = seedCnn()
    const b = batchOf(64, 32)
    await measure('seed-forward', 64, forward(model, b.xs))
    const small = isCpu ? batchOf(8, 32) : b
    await measure('seed-train', small.xs.shape[0], train(model, small.xs, small.ys))
    if (withProfile) {
      const t0 = performance.now()
      const kernels = await profileKernels(train(model, b.xs, b.ys))
      profile.push({ workload: 'seed-train', total: performance.now() - t0, kernels })
    }
    tf.dispose([b.xs, b.ys, small.xs, small.ys])
    model.dispose()
  }
  // The Seed CNN through the app's whole training loop (batch assembly from uint8 pixels, the loss,
  // the metrics read back every batch, the callbacks), an epoch per step; Keras' peer runs model.fit.
  if (!isCpu) {
    const config = ExperimentConfig.parse({
      name: 'engine bench',
      data: { datasetId: 'random' },
      model: SEED_CNN,
      training: { epochs: 1, batchSize: 64, optimizer: 'adam', learningRate: 1e-3, seed: 1 },
    })
    const built = buildModel(config.model, { numClasses: 10, imageSize: 32, seed: 1, base: null })
    const images = new Uint8Array(EPOCH_IMAGES * 32 * 32 * 3).map((_, i) => (i * 2654435761) >>> 24)
    const labels = Uint8Array.from({ length: EPOCH_IMAGES }, (_, i) => i % 10)
    const split = (n: number) =>
      new PixelSplit({
        images,
        labels,
        height: 32,
        width: 32,
        indices: Int32Array.from({ length: n }, (_, i) => i),
        preprocessing: 'unit',
        inputSize: 32,
      })
    const setup = {
      model: built.model,
      forward: modelForward(built.model),
      train: split(EPOCH_IMAGES),
      validation: split(0),
      augmentFor: null,
    }
    const epoch = async (): Promise<void> => {
      await trainLoop({
        config,
        runId: 'engine-bench',
        configHash: 'x',
        checkpointDir: null,
        resume: null,
        hooks: { setupPhase: () => setup, onBatch: () => void tf.memory(), onBatchPoints: () => {}, isCancelled: () => false },
      })
    }
    const seconds = await time(`${label} seed-epoch ${EPOCH_IMAGES}`, 1, 1, quick ? 1 : 2, epoch)
    results.push({
      workload: 'seed-epoch',
      backend: label,
      batch: 64,
      imagesPerSecond: EPOCH_IMAGES / seconds,
      gflops: null,
      flopsPerImage: 0,
    })
    built.model.dispose()
  }
  // VGG16 conv base at 32 px
  {
    const model = vgg16Base(32)
    const b = batchOf(isCpu ? 2 : 32, 32)
    await measure('vgg16-forward', b.xs.shape[0], forward(model, b.xs))
    tf.dispose([b.xs, b.ys])
    model.dispose()
  }
  // MobileNetV2 at 96 px
  const base = await mobilenetV2()
  if (!base) {
    process.stderr.write(`  MobileNetV2 skipped: ${MOBILENET_DIR} is absent\n`)
  } else {
    const model = mobilenetFinetune(base, 96)
    const b = batchOf(isCpu ? 2 : 32, 96)
    await measure('mobilenet-forward', b.xs.shape[0], forward(model, b.xs))
    await measure('mobilenet-finetune', b.xs.shape[0], train(model, b.xs, b.ys))
    if (withProfile) {
      const t0 = performance.now()
      const kernels = await profileKernels(train(model, b.xs, b.ys))
      profile.push({ workload: 'mobilenet-finetune', total: performance.now() - t0, kernels })
    }
    tf.dispose([b.xs, b.ys])
    model.dispose()
  }
  if (tf.getBackend() !== backend) throw new Error(`backend changed to ${tf.getBackend()} during the run`)
  return { backend: label, threads, results, profile }
}

// ---------------------------------------------------------------- Python peers (Keras, PyTorch)

interface PeerOutput {
  framework: 'Keras' | 'TensorFlow eager' | 'PyTorch'
  version: string
  threads: number
  /** PyTorch only: GFLOP/s of a 2048³ sgemm (its BLAS; a lower bound of the machine's FP32 peak). */
  sgemmGflops?: number
  results: { workload: Workload; batch: number; imagesPerSecond: number }[]
}

// keras-eager: the same Keras calls with run_eagerly=True, TensorFlow executing op by op as tfjs-node
// does: the same kernels without the graph compiler (grappler's fusions, oneDNN layout passes).
const PEERS = {
  keras: { script: 'keras_peer.py', modules: ['tensorflow', 'keras', 'numpy'], args: [] },
  'keras-eager': { script: 'keras_peer.py', modules: ['tensorflow', 'keras', 'numpy'], args: ['--eager'] },
  torch: { script: 'torch_peer.py', modules: ['torch'], args: [] },
} as const
type PeerName = keyof typeof PEERS

function isPeer(config: string): config is PeerName {
  return config in PEERS
}

function runPeer(name: PeerName, threads: number, quick: boolean): PeerOutput | string {
  const args = ['--threads', String(threads), '--mobilenet', MOBILENET_DIR, ...PEERS[name].args]
  if (quick) args.push('--quick')
  return runPeerScript<PeerOutput>(PEERS[name].script, args, [...PEERS[name].modules])
}

// ---------------------------------------------------------------- report

function fmt(value: number | null | undefined, digits = 0): string {
  return value == null ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

/** One run of every configuration: tfjs backends (children) and peers, all measured in the same pass. */
interface Pass {
  children: ChildOutput[]
  peers: PeerOutput[]
  skipped?: string[]
}

/** A column of the tables: a tfjs backend or a peer, its images/s per workload in each pass. */
interface Column {
  label: string
  ips: (pass: Pass, w: Workload) => number | null
  batch: (w: Workload) => number | null
}

const median = (xs: number[]): number | null => {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2
}

function columnsOf(passes: Pass[]): Column[] {
  const childLabels = [...new Set(passes.flatMap((p) => p.children.map((c) => c.backend)))]
  const peerLabels = [...new Set(passes.flatMap((p) => p.peers.map((c) => c.framework)))]
  const childResult = (pass: Pass, label: string, w: Workload) =>
    pass.children.find((c) => c.backend === label)?.results.find((r) => r.workload === w)
  const peerResult = (pass: Pass, label: string, w: Workload) =>
    pass.peers.find((c) => c.framework === label)?.results.find((r) => r.workload === w)
  return [
    ...childLabels.map((label) => ({
      label,
      ips: (pass: Pass, w: Workload) => childResult(pass, label, w)?.imagesPerSecond ?? null,
      batch: (w: Workload) => passes.map((p) => childResult(p, label, w)?.batch).find((b) => b !== undefined) ?? null,
    })),
    ...peerLabels.map((label) => ({
      label,
      ips: (pass: Pass, w: Workload) => peerResult(pass, label, w)?.imagesPerSecond ?? null,
      batch: (w: Workload) => passes.map((p) => peerResult(p, label, w)?.batch).find((b) => b !== undefined) ?? null,
    })),
  ]
}

function report(passes: Pass[]): string {
  const lines: string[] = []
  const columns = columnsOf(passes)
  const flopsOf = (w: Workload): number | null =>
    passes
      .flatMap((p) => p.children.flatMap((c) => c.results))
      .find((r) => r.workload === (w === 'seed-epoch' ? 'seed-train' : w))?.flopsPerImage ?? null
  const medianIps = (c: Column, w: Workload) => median(passes.map((p) => c.ips(p, w)).filter((v): v is number => v !== null))
  const find = (prefix: string) => columns.filter((c) => c.label.startsWith(prefix))
  // Every tensorflow column (one per libtensorflow) and the wasm column with the most threads (the app's).
  const ourColumns = [...find('tensorflow'), ...find('wasm').slice(-1)]
  const peers = columns.filter((c) => c.label === 'Keras' || c.label === 'TensorFlow eager' || c.label === 'PyTorch')
  const pairs: [Column, Column][] = []
  for (const ours of ourColumns) for (const peer of peers) pairs.push([ours, peer])
  const ratio = (a: number | null, b: number | null) => (a && b ? (a / b).toFixed(2) : '—')

  lines.push(
    `Images/s, the median of ${passes.length} pass${passes.length > 1 ? 'es' : ''} (each pass runs every column once, in rotated order):`,
    '',
    `| workload | MFLOP/image | ${columns.map((c) => c.label).join(' | ')} |${pairs.map(([a, b]) => ` ${a.label} / ${b.label} |`).join('')}`,
    `| --- | ---: |${columns.map(() => ' ---: |').join('')}${pairs.map(() => ' ---: |').join('')}`,
  )
  for (const w of WORKLOADS) {
    const flops = flopsOf(w)
    const cells = columns.map((c) => {
      const v = medianIps(c, w)
      const b = c.batch(w)
      return `${fmt(v, v !== null && v < 10 ? 2 : 0)}${b !== null && b !== 64 && w.startsWith('seed') ? ` (b${b})` : ''}`
    })
    const ratios = pairs.map(([a, b]) => ratio(medianIps(a, w), medianIps(b, w)))
    lines.push(
      `| ${w} | ${fmt(flops === null ? null : flops / 1e6)} | ${cells.join(' | ')} |${ratios.map((r) => ` ${r} |`).join('')}`,
    )
  }

  lines.push(
    '',
    'FLOP rate (GFLOP/s, median images/s × the FLOPs a step runs, counted from the tfjs kernels; the peers run the same architectures):',
    '',
    `| workload | ${columns.map((c) => c.label).join(' | ')} |`,
    `| --- |${columns.map(() => ' ---: |').join('')}`,
  )
  for (const w of WORKLOADS) {
    const flops = flopsOf(w)
    lines.push(
      `| ${w} | ${columns
        .map((c) => {
          const v = medianIps(c, w)
          return v !== null && flops !== null ? fmt((v * flops) / 1e9, 1) : '—'
        })
        .join(' | ')} |`,
    )
  }

  if (pairs.length > 0) {
    lines.push(
      '',
      "Every pass's ratio (load on the machine moves them; the passes alternate, so it moves every column alike):",
      '',
      `| workload | ratio |${passes.map((_, i) => ` pass ${i + 1} |`).join('')}`,
      `| --- | --- |${passes.map(() => ' ---: |').join('')}`,
    )
    for (const w of WORKLOADS)
      for (const [a, b] of pairs)
        lines.push(`| ${w} | ${a.label} / ${b.label} |${passes.map((p) => ` ${ratio(a.ips(p, w), b.ips(p, w))} |`).join('')}`)
  }

  const peerVersions = [...new Map(passes.flatMap((p) => p.peers).map((p) => [p.framework, p])).values()]
  for (const p of peerVersions)
    lines.push('', `${p.framework}: ${p.version}, ${p.threads} intra-op and ${p.threads} inter-op threads.`)
  const sgemm = median(passes.flatMap((p) => p.peers.map((x) => x.sgemmGflops ?? NaN)).filter((x) => Number.isFinite(x)))
  if (sgemm !== null) lines.push(`PyTorch's 2048³ sgemm: ${sgemm.toFixed(0)} GFLOP/s (median).`)
  const skipped = [...new Set(passes.flatMap((p) => p.skipped ?? []))]
  for (const reason of skipped) lines.push('', `Skipped: ${reason}`)

  for (const c of passes[0]?.children ?? []) {
    for (const p of c.profile) {
      lines.push(
        '',
        `Per-kernel time of one ${p.workload} step on ${c.backend} (${p.total.toFixed(0)} ms, top-level kernels):`,
        '',
      )
      lines.push('| kernel | ms | calls | share |', '| --- | ---: | ---: | ---: |')
      for (const k of p.kernels.slice(0, 14))
        lines.push(`| ${k.kernel} | ${k.ms.toFixed(1)} | ${k.calls} | ${((k.ms / p.total) * 100).toFixed(1)}% |`)
      const kernelMs = p.kernels.reduce((s, k) => s + k.ms, 0)
      lines.push(
        `| (outside kernels: layers, optimizer bookkeeping, JS) | ${(p.total - kernelMs).toFixed(1)} | | ${(((p.total - kernelMs) / p.total) * 100).toFixed(1)}% |`,
      )
    }
  }
  return lines.join('\n')
}

// ---------------------------------------------------------------- main

type Config = 'wasm1' | 'wasm2' | 'tensorflow' | 'tensorflow-lib' | 'cpu' | PeerName
const ALL_CONFIGS: Config[] = ['wasm1', 'wasm2', 'tensorflow', 'tensorflow-lib', 'cpu', 'keras', 'keras-eager', 'torch']

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      threads: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      runs: { type: 'string', default: '1' },
      only: { type: 'string' },
      'skip-cpu': { type: 'boolean', default: false },
      'skip-peers': { type: 'boolean', default: false },
      'tf-lib': { type: 'string' },
    },
  })
  const quick = values.quick ?? false
  if (values.child) {
    const backend = values.child
    if (backend !== 'cpu' && backend !== 'wasm' && backend !== 'tensorflow')
      throw new Error(`--child must be cpu, wasm or tensorflow, got ${backend}`)
    const out = await runChild(backend, Number(values.threads), quick, values.profile ?? false)
    process.stdout.write(JSON.stringify(out) + '\n')
    return
  }
  const runs = Number(values.runs)
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${values.runs}`)
  // --tf-lib DIR: a second tensorflow column on another libtensorflow (say the reference Python's
  // tensorflow wheel, the version Keras runs on), loaded through LD_LIBRARY_PATH ahead of the binding's own.
  const tfLib = values['tf-lib'] ? resolve(values['tf-lib']) : null
  let configs: Config[] = ALL_CONFIGS.filter(
    (c) => !(values['skip-cpu'] && c === 'cpu') && !(values['skip-peers'] && isPeer(c)) && !(c === 'tensorflow-lib' && !tfLib),
  )
  if (values.only) {
    const wanted = values.only.split(',').map((s) => s.trim())
    const bad = wanted.filter((w) => !ALL_CONFIGS.includes(w as Config))
    if (bad.length) throw new Error(`--only takes ${ALL_CONFIGS.join(', ')}; got ${bad.join(', ')}`)
    configs = ALL_CONFIGS.filter((c) => wanted.includes(c) || (c === 'tensorflow-lib' && tfLib && wanted.includes('tensorflow')))
  }
  // Every framework computes with the same number of threads: one per core (intra-op = inter-op).
  const threads = cpus().length
  const skipped: string[] = []
  if (configs.includes('tensorflow')) {
    const nativeReason = await loadNative('tensorflow')
    if (nativeReason) {
      skipped.push(`tensorflow column: ${nativeReason}`)
      configs = configs.filter((c) => c !== 'tensorflow' && c !== 'tensorflow-lib')
    }
  }
  const self = fileURLToPath(import.meta.url)
  const runner = join(repoRoot, 'bin/run-ts.mjs')
  const passes: Pass[] = []
  const runConfig = (config: Config, pass: Pass): void => {
    process.stderr.write(`${config}:\n`)
    if (isPeer(config)) {
      const out = runPeer(config, threads, quick)
      if (typeof out === 'string') skipped.push(`${config} peer: ${out}`)
      else pass.peers.push(out)
      return
    }
    const child = config.startsWith('wasm') ? 'wasm' : config === 'tensorflow-lib' ? 'tensorflow' : config
    const childThreads = config === 'wasm1' || config === 'cpu' ? 1 : threads
    const args = [runner, self, '--child', child, '--threads', String(childThreads)]
    if (quick) args.push('--quick')
    if (values.profile && passes.length === 0) args.push('--profile')
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TF_NUM_INTRAOP_THREADS: String(threads),
      TF_NUM_INTEROP_THREADS: String(threads),
    }
    if (config === 'tensorflow-lib' && tfLib) env.LD_LIBRARY_PATH = [tfLib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':')
    const run = spawnSync(process.execPath, args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
      maxBuffer: 1 << 24,
      env,
    })
    const line = run.stdout.trim().split('\n').pop() ?? ''
    if (run.status !== 0 || !line.startsWith('{')) throw new Error(`${config} benchmark failed (status ${run.status})`)
    pass.children.push(JSON.parse(line) as ChildOutput)
  }
  for (let r = 0; r < runs; r++) {
    const pass: Pass = { children: [], peers: [], skipped }
    // Rotated order: no column always runs first (cold) or last (after the others heated the machine).
    const order = configs.map((_, i) => configs[(i + r) % configs.length]!)
    process.stderr.write(`pass ${r + 1}/${runs} (load average ${loadavg()[0]!.toFixed(1)}): ${order.join(', ')}\n`)
    for (const config of order) runConfig(config, pass)
    passes.push(pass)
  }
  const table = report(passes)
  const cacheDir = join(repoRoot, '.cache')
  mkdirSync(cacheDir, { recursive: true })
  writeFileSync(
    join(cacheDir, 'engine-bench.json'),
    JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, threads, passes }, null, 2),
  )
  process.stdout.write(
    `\nCPU: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}; ${threads} threads everywhere (intra-op = inter-op); load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} at the end\n\n${table}\n`,
  )
}

await main()

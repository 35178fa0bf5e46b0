// Engine speed: images/s of the Seed CNN, a VGG16 conv base and MobileNetV2 on every available tfjs
// backend (wasm with 1 and 2 threads, native TensorFlow via tfjs-node when `npm run native:install`
// built it, cpu at tiny sizes), next to the same models in PyTorch CPU run
// in the same session (bench/pytorch/engine_peer.py), with FLOP counts, the fraction of the CPU's
// peak and a per-kernel profile of one wasm training step.
//
//   npm run bench:engine                 full run, prints a Markdown table and writes JSON under .cache/
//   npm run bench:engine -- --quick      fewer iterations (smoke test)
//
// Each backend configuration runs in its own child process: the wasm thread count is fixed when the
// backend starts, and restarting it would discard the models' weights.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import * as tf from '../src-main/engine/tf'
import { setupWasm } from '../src-main/engine/backend/wasm/setup'
import { registerWasmTrainingKernels } from '../src-main/engine/backend/wasm/kernels'
import { loadNative } from '../src-main/engine/backend/detect'
import { nativeThreads } from '../src-main/engine/backend/native-env'
import { createOptimizer } from '../src-main/engine/training/optimizer'
import { fuseRelu6Pairs, useRelu6Kernel } from '../src-main/engine/architectures/relu6'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MOBILENET_DIR = join(repoRoot, '../shared/models/mobilenetv2-imagenet')
/** FP32 peak measured on the 2-vCPU AVX2 machine BENCHMARKS.md was recorded on; used when PyTorch cannot measure one. */
const FALLBACK_PEAK_GFLOPS = 187

type Workload = 'seed-forward' | 'seed-train' | 'vgg16-forward' | 'mobilenet-forward' | 'mobilenet-finetune'
const WORKLOADS: Workload[] = ['seed-forward', 'seed-train', 'vgg16-forward', 'mobilenet-forward', 'mobilenet-finetune']

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
    label = `tensorflow ${threads}T`
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

// ---------------------------------------------------------------- PyTorch peer

interface PeerOutput {
  torch: string
  threads: number
  /** GFLOP/s of a 2048³ sgemm in PyTorch (its BLAS; a lower bound of the machine's FP32 peak). */
  sgemmGflops: number
  results: { workload: Workload; batch: number; imagesPerSecond: number }[]
}

const PYTHON = '/usr/bin/python3' // Debian's python (python3 on PATH may be a pyenv without torch)

function torchAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0
}

function runPytorch(quick: boolean): PeerOutput | string {
  if (!existsSync(PYTHON)) return `${PYTHON} not found`
  if (!torchAvailable()) {
    process.stderr.write('PyTorch missing: apt-get install -y python3-torch libopenblas0-pthread\n')
    const apt = spawnSync('apt-get', ['install', '-y', 'python3-torch', 'libopenblas0-pthread'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    })
    if (apt.status !== 0 || !torchAvailable()) {
      return `PyTorch is not installed and apt-get could not install python3-torch (${(apt.stderr ?? '').trim().split('\n').pop() ?? 'no output'})`
    }
  }
  const args = [join(repoRoot, 'bench/pytorch/engine_peer.py'), '--threads', String(cpus().length)]
  if (quick) args.push('--quick')
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 })
  if (run.status !== 0) return `the PyTorch peer exited with status ${run.status}`
  return JSON.parse(run.stdout) as PeerOutput
}

// ---------------------------------------------------------------- report

function fmt(value: number | null | undefined, digits = 0): string {
  return value == null ? '—' : value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
}

function report(children: ChildOutput[], peer: PeerOutput | string): string {
  const lines: string[] = []
  const columns = children.map((c) => c.backend)
  const peerOk = typeof peer !== 'string'
  // Peak: the fastest FP32 rate anything reached on this machine in this run (PyTorch's sgemm or any
  // workload, tfjs or PyTorch, at the FLOPs counted here); a lower bound of the true peak.
  const flopsOf = (w: Workload): number | undefined =>
    children.flatMap((c) => c.results).find((r) => r.workload === w)?.flopsPerImage
  const rates = [
    ...children.flatMap((c) => c.results.map((r) => r.gflops ?? 0)),
    ...(peerOk ? [peer.sgemmGflops, ...peer.results.map((r) => (r.imagesPerSecond * (flopsOf(r.workload) ?? 0)) / 1e9)] : []),
  ]
  const PEAK_GFLOPS = Math.max(FALLBACK_PEAK_GFLOPS, ...rates)
  const bestWasm = (w: Workload): Result | undefined =>
    children
      .filter((c) => c.backend.startsWith('wasm'))
      .flatMap((c) => c.results)
      .filter((r) => r.workload === w)
      .sort((a, b) => (b.imagesPerSecond ?? 0) - (a.imagesPerSecond ?? 0))[0]
  const native = children.find((c) => c.backend.startsWith('tensorflow'))
  lines.push(
    `| workload (images/s) | MFLOP/image | ${columns.join(' | ')} | PyTorch CPU | best wasm / PyTorch |${native ? ' tensorflow / PyTorch | tensorflow / best wasm |' : ''} best wasm % of peak | PyTorch % of peak |`,
  )
  lines.push(
    `| --- | ---: | ${columns.map(() => '---:').join(' | ')} | ---: | ---: |${native ? ' ---: | ---: |' : ''} ---: | ---: |`,
  )
  for (const w of WORKLOADS) {
    const cells = children.map((c) => {
      const r = c.results.find((x) => x.workload === w)
      return r
        ? `${fmt(r.imagesPerSecond, r.imagesPerSecond !== null && r.imagesPerSecond < 10 ? 2 : 0)}${r.batch !== 64 && w.startsWith('seed') ? ` (b${r.batch})` : ''}`
        : '—'
    })
    const p = peerOk ? peer.results.find((x) => x.workload === w) : undefined
    const best = bestWasm(w)
    const ratio = p && best?.imagesPerSecond ? best.imagesPerSecond / p.imagesPerSecond : null
    const flopsPerImage = best?.flopsPerImage ?? null
    const peerPeak = p && flopsPerImage ? ((p.imagesPerSecond * flopsPerImage) / 1e9 / PEAK_GFLOPS) * 100 : null
    const nativeIps = native?.results.find((x) => x.workload === w)?.imagesPerSecond ?? null
    const ratioText = (a: number | null | undefined, b: number | null | undefined) => (a && b ? (a / b).toFixed(2) : '—')
    const nativeCells = native
      ? ` ${ratioText(nativeIps, p?.imagesPerSecond)} | ${ratioText(nativeIps, best?.imagesPerSecond)} |`
      : ''
    lines.push(
      `| ${w} | ${fmt(flopsPerImage === null ? null : flopsPerImage / 1e6)} | ${cells.join(' | ')} | ${fmt(p?.imagesPerSecond)} | ${ratio === null ? '—' : ratio.toFixed(2)} |${nativeCells} ${best?.gflops ? ((best.gflops / PEAK_GFLOPS) * 100).toFixed(1) + '%' : '—'} | ${peerPeak === null ? '—' : peerPeak.toFixed(1) + '%'} |`,
    )
  }
  if (!peerOk) lines.push('', `PyTorch column skipped: ${peer}`)
  else
    lines.push(
      '',
      `PyTorch ${peer.torch}, ${peer.threads} threads; its sgemm 2048³ ran at ${peer.sgemmGflops.toFixed(0)} GFLOP/s.`,
    )
  lines.push(
    `"% of peak" is of ${PEAK_GFLOPS.toFixed(0)} GFLOP/s, the fastest FP32 rate measured in this run (a lower bound of the peak).`,
  )
  for (const c of children) {
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

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      threads: { type: 'string', default: '1' },
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      'skip-cpu': { type: 'boolean', default: false },
      'skip-pytorch': { type: 'boolean', default: false },
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
  const self = fileURLToPath(import.meta.url)
  const runner = join(repoRoot, 'bin/run-ts.mjs')
  const configs: { child: string; threads: number; profile: boolean }[] = [
    { child: 'wasm', threads: 1, profile: false },
    { child: 'wasm', threads: Math.max(2, cpus().length), profile: true },
  ]
  const nativeReason = await loadNative('tensorflow')
  if (nativeReason) process.stderr.write(`tensorflow column skipped: ${nativeReason}\n`)
  else configs.push({ child: 'tensorflow', threads: cpus().length, profile: false })
  if (!values['skip-cpu']) configs.push({ child: 'cpu', threads: 1, profile: false })
  const children: ChildOutput[] = []
  for (const config of configs) {
    process.stderr.write(`${config.child} ${config.threads} thread(s):\n`)
    const args = [runner, self, '--child', config.child, '--threads', String(config.threads)]
    if (quick) args.push('--quick')
    if (config.profile) args.push('--profile')
    const run = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 })
    const line = run.stdout.trim().split('\n').pop() ?? ''
    if (run.status !== 0 || !line.startsWith('{')) throw new Error(`${config.child} benchmark failed (status ${run.status})`)
    children.push(JSON.parse(line) as ChildOutput)
  }
  const peer = values['skip-pytorch'] ? 'skipped by --skip-pytorch' : runPytorch(quick)
  const table = report(children, peer)
  const cacheDir = join(repoRoot, '.cache')
  mkdirSync(cacheDir, { recursive: true })
  writeFileSync(
    join(cacheDir, 'engine-bench.json'),
    JSON.stringify({ date: new Date().toISOString(), cpu: cpus()[0]?.model, cores: cpus().length, children, peer }, null, 2),
  )
  process.stdout.write(`\nCPU: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}\n\n${table}\n`)
}

await main()

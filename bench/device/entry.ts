// The device bundle's benchmark (scripts/device-bundle.mjs builds it into one file): the workloads of
// bench/webgpu.bench.ts on webgpu (the engine's adapter choice) and wasm, in images/s, with the adapter
// it ran on, as a table and as JSON/markdown files. It runs where there is no node_modules: the wasm
// files are read from tfjs-backend-wasm/ beside the bundle, Dawn from dist/linux-x64/dawn.node beside
// it (where the webgpu package's own loader looks, relative to the file it is bundled into).
//   node bench.mjs [--smoke] [--workloads=seed-cnn,vgg16-forward,mobilenetv2-finetune]
//                  [--backends=webgpu,wasm] [--steps=10] [--warmup=2] [--cap=20] [--budget=240] [--out=DIR]
//                  [--kernels=on|off]
// With a webgpu adapter it then times a convolution's three kernels on the two networks' conv layers
// (./conv-kernels.ts): whether tfjs' naive Conv2DBackpropFilter is what holds webgpu training back.
// A software adapter (WORKBENCH_WEBGPU_ADAPTER=software) computes on the CPU, and a smoke run times
// one step: neither gives speed figures, and both are labelled so.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { initBackend, webGpuReport } from '../../src-main/engine/backend'
import { WASM_DIR_ENV } from '../../src-main/engine/backend/wasm/setup'
import { adapterLabel } from '../../src-main/engine/backend/webgpu/adapter'
import { CONV_SHAPES, timeConvKernels, type ConvTiming } from './conv-kernels'
import { WORKLOADS, measure, mobileNetV2Missing, type Measurement, type Workload } from './workloads'

type Backend = 'webgpu' | 'wasm'
const BACKENDS: readonly Backend[] = ['webgpu', 'wasm']

interface Options {
  smoke: boolean
  workloads: Workload[]
  backends: Backend[]
  steps: number
  warmup: number
  capSeconds: number
  budgetSeconds: number
  out: string | null
  kernels: boolean
}

function fail(message: string): never {
  console.error(`bench/device: ${message}`)
  process.exit(2)
}

function parseArgs(argv: string[]): Options {
  const values = new Map<string, string>()
  let smoke = false
  for (const arg of argv) {
    if (arg === '--smoke') smoke = true
    else {
      const match = /^--([a-z]+)=(.*)$/.exec(arg)
      if (!match) fail(`unknown argument ${JSON.stringify(arg)}`)
      values.set(match[1]!, match[2]!)
    }
  }
  const number = (key: string, fallback: number, min: number): number => {
    const raw = values.get(key)
    values.delete(key)
    if (raw === undefined) return fallback
    const n = Number(raw)
    if (!Number.isFinite(n) || n < min) fail(`--${key} must be a number ≥ ${min}, got ${JSON.stringify(raw)}`)
    return n
  }
  const list = <T extends string>(key: string, known: readonly T[]): T[] => {
    const raw = values.get(key)
    values.delete(key)
    if (raw === undefined) return [...known]
    const names = raw.split(',').map((s) => s.trim())
    const unknown = names.filter((n) => !known.includes(n as T))
    if (unknown.length > 0 || names.length === 0) fail(`--${key}: unknown ${unknown.join(', ')} (known: ${known.join(', ')})`)
    return names as T[]
  }
  const ids = list(
    'workloads',
    WORKLOADS.map((w) => w.id),
  )
  const options: Options = {
    smoke,
    workloads: WORKLOADS.filter((w) => ids.includes(w.id)),
    backends: list('backends', BACKENDS),
    steps: Math.floor(number('steps', smoke ? 1 : 10, 1)),
    warmup: Math.floor(number('warmup', smoke ? 0 : 2, 0)),
    capSeconds: number('cap', 20, 0),
    budgetSeconds: number('budget', 240, 1),
    out: values.get('out') || null,
    kernels: (values.get('kernels') ?? 'on') !== 'off',
  }
  if (!['on', 'off', undefined].includes(values.get('kernels'))) fail('--kernels must be on or off')
  values.delete('out')
  values.delete('kernels')
  if (values.size > 0) fail(`unknown option --${[...values.keys()][0]}`)
  return options
}

/** Beside the bundle: the wasm files (in a source checkout node_modules has them instead). */
function useFilesBesideBundle(): void {
  const here = dirname(fileURLToPath(import.meta.url))
  const wasmDir = join(here, 'tfjs-backend-wasm')
  if (existsSync(join(wasmDir, 'dist'))) process.env[WASM_DIR_ENV] ??= wasmDir
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!
}

interface Row {
  workload: Workload['id']
  name: string
  size: number
  batch: number
  backend: Backend
  /** Null when it did not run; then `error` says why. */
  result: (Measurement & { figure: boolean }) | null
  error: string | null
}

const options = parseArgs(process.argv.slice(2))
useFilesBesideBundle()
const started = performance.now()
const elapsed = (): number => (performance.now() - started) / 1000

const report = await webGpuReport()
const adapter = report.adapter
if (adapter) {
  const kind = adapter.software ? 'software adapter: its times are not speed figures' : 'hardware adapter'
  const vendor = `vendor ${adapter.vendor || '?'}, architecture ${adapter.architecture || '?'}`
  console.log(`adapter: ${adapterLabel(adapter)}; ${vendor}; Dawn ${adapter.api} (${adapter.featureLevel}); ${kind}`)
} else {
  console.log(`adapter: none (${report.reason}); webgpu is not measured`)
}
console.log(`cpu: ${cpus()[0]?.model ?? 'unknown'}, ${availableParallelism()} threads; node ${process.version}`)
if (options.smoke) console.log('smoke run: one step each, not speed figures')

const rows: Row[] = []
const backendInfo: Record<string, unknown> = {}
for (const backend of options.backends) {
  let ready: string | null = null
  if (backend === 'webgpu' && !adapter) ready = report.reason ?? 'no adapter'
  for (const w of options.workloads) {
    const row: Row = { workload: w.id, name: w.name, size: w.size, batch: w.batch, backend, result: null, error: null }
    rows.push(row)
    const missing = w.id === 'mobilenetv2-finetune' ? mobileNetV2Missing() : null
    if (ready ?? missing) {
      row.error = ready ?? missing
    } else if (elapsed() > options.budgetSeconds) {
      row.error = `skipped: the ${options.budgetSeconds} s budget was spent`
    } else {
      try {
        const status = await initBackend(backend)
        backendInfo[backend] ??= { threads: status.threads, simd: status.simd, device: status.device }
      } catch (error) {
        // A backend that does not start is not tried again for the other workloads.
        ready = row.error = firstLine(error)
      }
      if (!ready) {
        try {
          const result = await measure(w, { steps: options.steps, warmup: options.warmup, capSeconds: options.capSeconds })
          row.result = { ...result, figure: !options.smoke && !(backend === 'webgpu' && adapter?.software === true) }
        } catch (error) {
          row.error = firstLine(error)
        }
      }
    }
    const what = row.result
      ? `${row.result.imagesPerSecond.toFixed(1)} images/s${row.result.figure ? '' : ' (not a speed figure)'}, ` +
        `${row.result.steps} steps in ${row.result.seconds.toFixed(1)} s, loss ${row.result.loss.toFixed(4)}`
      : `not measured: ${row.error}`
    console.log(`${backend} ${w.name} (${w.size} px, batch ${w.batch}): ${what}`)
  }
}

function cell(backend: Backend, id: Workload['id']): string {
  const row = rows.find((r) => r.backend === backend && r.workload === id)
  if (!row) return '—'
  if (!row.result) return 'not measured'
  const speed = row.result.imagesPerSecond.toFixed(1)
  return row.result.figure ? speed : `(${speed}, not a speed figure)`
}

const table = [
  `| workload | batch | ${options.backends.map((b) => `${b} images/s`).join(' | ')} |`,
  `| --- | --- | ${options.backends.map(() => '---').join(' | ')} |`,
  ...options.workloads.map(
    (w) => `| ${w.name} (${w.size} px) | ${w.batch} | ${options.backends.map((b) => cell(b, w.id)).join(' | ')} |`,
  ),
]
console.log(table.join('\n'))

// The kernels of a convolution's step on webgpu, when there is an adapter and time left.
const kernels: ConvTiming[] = []
let kernelsNote: string | null = null
if (options.kernels && adapter && options.backends.includes('webgpu')) {
  try {
    await initBackend('webgpu')
    // A smoke run checks that the timing works on the first layer only.
    for (const shape of options.smoke ? CONV_SHAPES.slice(0, 1) : CONV_SHAPES) {
      if (elapsed() > options.budgetSeconds) {
        kernelsNote = `stopped after ${kernels.length} layers: the ${options.budgetSeconds} s budget was spent`
        break
      }
      kernels.push(await timeConvKernels(shape, options.smoke ? { reps: 1, warmup: 0 } : { reps: 5, warmup: 2 }))
    }
  } catch (error) {
    kernelsNote = `not measured: ${firstLine(error)}`
  }
}
const kernelFigures = !options.smoke && adapter?.software !== true
const ms = (v: number): string => (kernelFigures ? v.toFixed(2) : `(${v.toFixed(2)})`)
const kernelTable =
  kernels.length === 0
    ? []
    : [
        '| webgpu kernel, batch 64, 3×3 same | MMAC | Conv2D ms | Conv2DBackpropInput ms | Conv2DBackpropFilter ms | filter / input |',
        '| --- | ---: | ---: | ---: | ---: | ---: |',
        ...kernels.map(
          (k) =>
            `| ${k.layer} | ${k.mmacs.toFixed(0)} | ${ms(k.forwardMs)} | ${ms(k.backpropInputMs)} | ${ms(k.backpropFilterMs)} | ` +
            `${(k.backpropFilterMs / k.backpropInputMs).toFixed(2)} |`,
        ),
      ]
if (kernelTable.length > 0) {
  console.log(kernelTable.join('\n'))
  if (!kernelFigures) console.log('(kernel times in parentheses are not speed figures)')
}
if (kernelsNote) console.log(`kernels: ${kernelsNote}`)
console.log(`total ${elapsed().toFixed(1)} s`)

if (options.out) {
  mkdirSync(options.out, { recursive: true })
  const result = {
    smoke: options.smoke,
    adapter,
    adapterReason: report.reason,
    backends: backendInfo,
    cpu: { model: cpus()[0]?.model ?? null, threads: availableParallelism() },
    node: process.version,
    steps: options.steps,
    warmup: options.warmup,
    capSeconds: options.capSeconds,
    seconds: elapsed(),
    rows,
    kernels: { figures: kernelFigures, note: kernelsNote, timings: kernels },
  }
  writeFileSync(join(options.out, 'device-bench.json'), JSON.stringify(result, null, 2) + '\n')
  const heading = adapter
    ? `${adapterLabel(adapter)}; vendor ${adapter.vendor || '?'}, architecture ${adapter.architecture || '?'}, Dawn ${adapter.api}`
    : `no WebGPU adapter: ${report.reason}`
  const notes = [
    options.smoke ? 'Smoke run (one step each): not speed figures.' : '',
    adapter?.software ? 'Software adapter: its webgpu times are not speed figures.' : '',
  ].filter(Boolean)
  writeFileSync(
    join(options.out, 'device-bench.md'),
    `Adapter: ${heading}\n\n${notes.map((n) => `${n}\n\n`).join('')}${table.join('\n')}\n` +
      (kernelTable.length > 0 ? `\n${kernelTable.join('\n')}\n` : ''),
  )
  console.log(`wrote ${join(options.out, 'device-bench.json')} and device-bench.md`)
}
// Dawn's instance keeps the event loop alive; every requested measurement must have run.
process.exit(rows.some((r) => r.result === null) ? 1 : 0)

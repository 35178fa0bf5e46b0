// The importer fuzzer: valid inputs of every importer, damaged by seeded mutations, fed through the
// same core calls the app and the CLI make. After each case it checks what users are promised: an
// answer within a bound, a one-line error naming the problem (never a crash inside a handler), nothing
// registered half way, nothing left behind in the data directory, nothing written outside it.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { gzipSync } from 'node:zlib'
import { ContractError } from '@shared/contract'
import { createCore } from '../../src-main/core/compose'
import type { Core } from '../../src-main/core/core'
import { readBundle } from '../../src-main/store/bundle-files'
import { openStore } from '../../src-main/store'
import { SettingsStore } from '../../src-main/system/settings-store'
import { mobileNetV2NoTop } from '../../src-main/engine/architectures/keras'
import { CLASS_NAMES, pngOf, pythonBatch, pythonMeta, binaryBatch, zipOf } from '../../tests/unit/data/fixtures'
import { randomLayers, writeKeras2 } from '../../tests/unit/architectures/h5-fixtures'
import { timmStateDict, writeSafetensors } from '../../tests/unit/architectures/safetensors-fixtures'
import { timmMobileNetV3Large100 } from '../../src-main/engine/architectures/timm'
import { epochMetric, evaluation, scratchConfig, startInfo } from '../../tests/fixtures/store/factories'
import { gzipBomb, hostileTars, tarBytes, type TarEntry } from './hostile-archives'
import { BYTE_MUTATIONS, mutateJson, seededRng, type Rng } from './mutate'

export interface FuzzOptions {
  /** Working folder; the data directory and inputs live below it. */
  root: string
  seed: number
  cases: number
  /** Stop early after this long (the case in flight finishes). */
  seconds?: number
  /** One case may take at most this long before it counts as a hang. */
  caseTimeoutMs?: number
  /** Run the fixed hostile archives and the decompression bomb too. */
  hostile?: boolean
  onCase?: (c: CaseResult) => void
}

export interface CaseResult {
  index: number
  target: string
  mutation: string
  outcome: 'accepted' | 'refused'
  message: string | null
  ms: number
}

export interface FuzzReport {
  cases: CaseResult[]
  /** Broken promises: each names the case, so it can be replayed with the same seed. */
  findings: string[]
  slowestMs: number
}

interface Target {
  name: string
  weight: number
  /** The valid file (or, for tfjs folders, the model.json) that mutations start from. */
  seedBytes: Buffer
  fileName: string
  mutateJson?: boolean
  /** Runs the import of the damaged file; returns a cleanup for an accepted one. */
  run(core: Core, file: string): Promise<() => Promise<void>>
}

const TARGET_WEIGHTS = { archive: 10, image: 4, bundle: 4, settings: 4, tfjs: 2, h5: 1, safetensors: 1 }

function cifarBinaryTar(): Buffer {
  const entries: TarEntry[] = [
    { name: 'cifar-10-batches-bin/', type: 'dir' },
    ...[1, 2, 3, 4, 5].map((b) => ({ name: `cifar-10-batches-bin/data_batch_${b}.bin`, data: binaryBatch(b, 4) })),
    { name: 'cifar-10-batches-bin/test_batch.bin', data: binaryBatch(0, 4) },
    { name: 'cifar-10-batches-bin/batches.meta.txt', data: Buffer.from(`${CLASS_NAMES.join('\n')}\n`) },
  ]
  return tarBytes(entries)
}

function cifarPythonTar(): Buffer {
  const entries: TarEntry[] = [
    { name: 'cifar-10-batches-py/', type: 'dir' },
    ...[1, 2, 3, 4, 5].map((b) => ({ name: `cifar-10-batches-py/data_batch_${b}`, data: pythonBatch(b, 4) })),
    { name: 'cifar-10-batches-py/test_batch', data: pythonBatch(0, 4) },
    { name: 'cifar-10-batches-py/batches.meta', data: pythonMeta() },
  ]
  return tarBytes(entries)
}

function imageFiles(): Array<{ path: string; data: Buffer }> {
  const files: Array<{ path: string; data: Buffer }> = []
  for (const split of ['train', 'test'])
    for (const [c, name] of CLASS_NAMES.slice(0, 3).entries())
      for (let i = 0; i < 3; i++)
        files.push({
          path: `${split}/${name}/${i}.png`,
          data: pngOf(8, (r, k) => [(r * 30 + c * 80) % 256, (k * 30 + i) % 256, 90]),
        })
  return files
}

function lines(message: string): number {
  return message.split('\n').length
}

/** Every file below dir as path → size:mtime, leaving out `skip` folders and the store's own files. */
function listing(dir: string, skip: string[] = []): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (skip.includes(path) || /^workbench\.sqlite/.test(name)) continue
      const s = statSync(path)
      const rel = relative(dir, path)
      if (!(s.isDirectory() && DATA_FOLDERS.has(rel))) out.set(rel, s.isDirectory() ? 'dir' : `${s.size}:${s.mtimeMs}`)
      if (s.isDirectory()) walk(path)
    }
  }
  if (existsSync(dir)) walk(dir)
  return out
}

/** The first difference between two listings, in words; null when they match. */
function difference(before: Map<string, string>, after: Map<string, string>): string | null {
  for (const [k, v] of after) if (before.get(k) !== v) return `${k} ${before.has(k) ? 'changed' : 'appeared'}`
  for (const k of before.keys()) if (!after.has(k)) return `${k} disappeared`
  return null
}

/** The data directory's own top-level folders, created on first use and kept. */
const DATA_FOLDERS = new Set(['datasets', 'models', 'runs', 'artifacts'])

function bundleSeed(root: string): Buffer {
  const dir = join(root, 'bundle-source')
  mkdirSync(dir, { recursive: true })
  const store = openStore(join(dir, 'workbench.sqlite'), { dataDir: dir })
  try {
    const run = store.runs.createRun({ config: scratchConfig({ name: 'fuzz seed run' }) })
    store.runs.startRun(run.id, startInfo)
    for (let e = 1; e <= 3; e++) store.runs.appendEpoch(run.id, epochMetric(e, 0.2 * e))
    store.runs.saveEvaluation(run.id, evaluation(0.55))
    store.runs.finishRun(run.id, 'completed')
    return Buffer.from(JSON.stringify(store.bundles.exportRuns([run.id])))
  } finally {
    store.close()
  }
}

async function targets(root: string, outsideFile: string): Promise<Target[]> {
  const datasetImport = async (core: Core, file: string) => {
    const info = await core.call('datasets.import', { path: file })
    return async () => void (await core.call('datasets.delete', { id: info.id }))
  }
  const images = imageFiles()
  const kerasFile = join(root, 'seed-mobilenetv2.h5')
  const model = mobileNetV2NoTop(null)
  await writeKeras2(kerasFile, randomLayers(model, 5))
  model.dispose()
  const timmModel = timmMobileNetV3Large100(null)
  const safetensorsFile = writeSafetensors(join(root, 'seed-mobilenetv3.safetensors'), timmStateDict(timmModel, 5))
  timmModel.dispose()
  const tfjsSeed = join(root, 'seed-squeezenet')
  cpSync(join(import.meta.dirname, '../../resources/bases/squeezenet1.1-imagenet'), tfjsSeed, { recursive: true })
  const archive = (name: string, fileName: string, bytes: Buffer): Target => ({
    name,
    weight: TARGET_WEIGHTS.archive,
    seedBytes: bytes,
    fileName,
    run: datasetImport,
  })
  return [
    archive('CIFAR binary .tar.gz', 'cifar-10-binary.tar.gz', gzipSync(cifarBinaryTar())),
    archive('CIFAR binary .tar', 'cifar-10-binary.tar', cifarBinaryTar()),
    archive('CIFAR python .tar.gz', 'cifar-10-python.tar.gz', gzipSync(cifarPythonTar())),
    archive('CIFAR python .tar', 'cifar-10-python.tar', cifarPythonTar()),
    archive('image folder .zip', 'images.zip', readFileSync(zipOf(images, join(root, 'seed-images.zip')))),
    archive('image folder .tar.gz', 'images.tar.gz', gzipSync(tarBytes(images.map((f) => ({ name: f.path, data: f.data }))))),
    {
      name: 'one image in a folder',
      weight: TARGET_WEIGHTS.image,
      seedBytes: images[0]!.data,
      fileName: 'image.png',
      // The damaged image sits among valid ones in a class folder, as a bad download among good ones.
      async run(core: Core, file: string) {
        const folder = join(file, '..', 'folder')
        for (const f of images.slice(1)) {
          mkdirSync(join(folder, f.path, '..'), { recursive: true })
          writeFileSync(join(folder, f.path), f.data)
        }
        cpSync(file, join(folder, images[0]!.path))
        return datasetImport(core, folder)
      },
    },
    {
      name: 'run bundle .json',
      weight: TARGET_WEIGHTS.bundle,
      seedBytes: bundleSeed(root),
      fileName: 'bundle.json',
      mutateJson: true,
      async run(core: Core, file: string) {
        const result = await core.call('runs.import', { bundle: readBundle(file) })
        return async () => {
          if (result.imported.length) await core.call('runs.delete', { ids: result.imported })
        }
      },
    },
    {
      name: 'settings.json',
      weight: TARGET_WEIGHTS.settings,
      seedBytes: Buffer.from(JSON.stringify({ backend: 'wasm', threads: 2, locale: 'es', theme: 'dark' })),
      fileName: 'settings.json',
      mutateJson: true,
      // A damaged settings file never stops the app: defaults are used and the problem is kept.
      run(_core: Core, file: string) {
        const warn = console.warn
        console.warn = () => {}
        try {
          const store = new SettingsStore(join(file, '..'))
          const settings = store.get()
          if (store.problem && lines(store.problem) !== 1) throw new Error(`settings problem is not one line: ${store.problem}`)
          if (!['system', 'light', 'dark'].includes(settings.theme))
            throw new Error('settings without a theme after a damaged file')
        } finally {
          console.warn = warn
        }
        return Promise.resolve(() => Promise.resolve())
      },
    },
    {
      name: 'tfjs model.json',
      weight: TARGET_WEIGHTS.tfjs,
      seedBytes: readFileSync(join(tfjsSeed, 'model.json')),
      fileName: 'model.json',
      mutateJson: true,
      async run(core: Core, file: string) {
        const folder = join(file, '..', 'tfjs')
        cpSync(tfjsSeed, folder, { recursive: true })
        cpSync(file, join(folder, 'model.json'))
        const info = await core.call('models.import', { path: folder, name: 'fuzzed tfjs' })
        return async () => void (await core.call('models.delete', { id: info.id }))
      },
    },
    {
      name: 'Keras .h5',
      weight: TARGET_WEIGHTS.h5,
      seedBytes: readFileSync(kerasFile),
      fileName: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5',
      async run(core: Core, file: string) {
        const info = await core.call('models.import', { path: file, name: 'fuzzed keras' })
        return async () => void (await core.call('models.delete', { id: info.id }))
      },
    },
    {
      name: 'timm .safetensors',
      weight: TARGET_WEIGHTS.safetensors,
      seedBytes: readFileSync(safetensorsFile),
      fileName: 'mobilenetv3_large_100.safetensors',
      async run(core: Core, file: string) {
        const info = await core.call('models.import', { path: file, name: 'fuzzed timm' })
        return async () => void (await core.call('models.delete', { id: info.id }))
      },
    },
  ].map((t) => ({ ...t, outsideFile }))
}

function pick<T extends { weight: number }>(items: T[], rng: Rng): T {
  const total = items.reduce((s, t) => s + t.weight, 0)
  let r = rng() * total
  for (const item of items) if ((r -= item.weight) < 0) return item
  return items[items.length - 1]!
}

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)))
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

export async function runImporterFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { root, seed } = options
  const caseTimeoutMs = options.caseTimeoutMs ?? 60_000
  const deadline = options.seconds ? Date.now() + options.seconds * 1000 : Infinity
  const dataDir = join(root, 'data')
  const inputs = join(root, 'inputs')
  const outsideFile = join(root, 'outside', 'escaped.txt')
  mkdirSync(join(root, 'outside'), { recursive: true })
  const all = await targets(root, outsideFile)
  const core = await createCore({ dataDir, shell: 'cli' })
  const report: FuzzReport = { cases: [], findings: [], slowestMs: 0 }
  const registry = async () =>
    JSON.stringify([
      (await core.call('datasets.list', {})).map((d) => d.id),
      (await core.call('models.list', {})).map((m) => m.id),
      (await core.call('runs.list', {})).total,
    ])
  const png = imageFiles()[0]!.data
  const zipEscape = zipOf(
    [...imageFiles(), { path: '../../escaped.png', data: png }, { path: outsideFile, data: png }],
    join(root, 'seed-escape.zip'),
  )
  const rootBefore = listing(root, [dataDir, inputs])

  const runCase = async (
    index: number,
    target: Target | { name: string; run: Target['run'] },
    mutation: string,
    bytes: Buffer,
    fileName: string,
  ) => {
    const caseDir = join(inputs, String(index))
    rmSync(inputs, { recursive: true, force: true })
    mkdirSync(caseDir, { recursive: true })
    const file = join(caseDir, fileName)
    writeFileSync(file, bytes)
    const beforeFiles = listing(dataDir)
    const beforeRegistry = await registry()
    const started = Date.now()
    let outcome: CaseResult['outcome'] = 'refused'
    let message: string | null = null
    const label = `case ${index} (seed ${seed}): ${target.name}, ${mutation}`
    try {
      const done = await withTimeout(target.run(core, file), caseTimeoutMs)
      if (done === 'timeout') {
        report.findings.push(`${label}: no answer within ${caseTimeoutMs} ms`)
      } else {
        outcome = 'accepted'
        await done()
      }
    } catch (error) {
      message = error instanceof Error ? error.message : String(error)
      if (!(error instanceof ContractError) && target.name !== 'settings.json')
        report.findings.push(`${label}: not a typed error: ${message}`)
      if (error instanceof ContractError && error.code === 'internal')
        report.findings.push(`${label}: internal error: ${message}`)
      if (lines(message) !== 1)
        report.findings.push(`${label}: the error is not one line: ${JSON.stringify(message.slice(0, 300))}`)
      if (target.name === 'settings.json') report.findings.push(`${label}: a damaged settings file stopped the app: ${message}`)
    }
    const ms = Date.now() - started
    report.slowestMs = Math.max(report.slowestMs, ms)
    if ((await registry()) !== beforeRegistry) report.findings.push(`${label}: the registry changed after a ${outcome} import`)
    const left = difference(beforeFiles, listing(dataDir))
    if (left) report.findings.push(`${label}: the data directory kept a trace: ${left}`)
    const result: CaseResult = { index, target: target.name, mutation, outcome, message, ms }
    report.cases.push(result)
    options.onCase?.(result)
  }

  try {
    const rng = seededRng(seed)
    let index = 0
    if (options.hostile) {
      const fileTarget = { name: 'hostile archive', run: (c: Core, f: string) => all[0]!.run(c, f) }
      for (const hostile of hostileTars(outsideFile, png))
        await runCase(index++, fileTarget, hostile.name, gzipSync(hostile.bytes), 'hostile.tar.gz')
      await runCase(index++, fileTarget, 'gzip bomb (1.5 GiB of zeros)', gzipBomb(1.5), 'bomb.tar.gz')
      await runCase(index++, fileTarget, 'zip entries climbing out and absolute', readFileSync(zipEscape), 'escape.zip')
    }
    while (index < options.cases && Date.now() < deadline) {
      const target = pick(all, rng)
      const useJson = target.mutateJson && rng() < 0.6
      const mutation = useJson ? null : BYTE_MUTATIONS[Math.floor(rng() * BYTE_MUTATIONS.length)]!
      const bytes = useJson
        ? Buffer.from(mutateJson(target.seedBytes.toString('utf8'), rng))
        : mutation!.apply(target.seedBytes, rng)
      await runCase(index++, target, useJson ? 'JSON values' : mutation!.name, bytes, target.fileName)
    }
  } finally {
    await core.close()
  }
  const escaped = difference(rootBefore, listing(root, [dataDir, inputs]))
  if (escaped) report.findings.push(`a file was written outside the data directory: ${escaped}`)
  if (existsSync(outsideFile) || existsSync('/tmp/escaped.png'))
    report.findings.push('an archive entry escaped to its target path')
  if (({} as Record<string, unknown>).polluted !== undefined) report.findings.push('a JSON key polluted Object.prototype')
  return report
}

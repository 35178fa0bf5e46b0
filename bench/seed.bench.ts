// Reproduction of the assignment: Seed CNN from scratch vs MobileNetV2 transfer (frozen at 96 px, then
// fine-tuned), through the same TrainingService, worker and run store as the app.
// Beside ours, the same assignment done by Keras' own `model.fit` workflow on the same machine, splits
// and MobileNetV2 weights (bench/peers/keras_assignment.py, with the reference Python).
//   npm run bench:seed            quick: 5,000 training images
//   npm run bench:seed -- --full  all 45,000 training images left after the validation split
//   npm run bench:seed -- --images 4000 --epochs 2 [--test-images 2000]   a reduced run (smoke test)
//   … --backends tensorflow,wasm   ours on each of these backends (default: the best available)
//   … --skip-keras                 without the Keras column
// Writes its table into the "Reproduction (quick)", "Reproduction (full)" or "Reproduction (reduced)"
// section of BENCHMARKS.md.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ExperimentConfig } from '@shared/domain/config'
import type { RunDetail } from '@shared/domain/run'
import { parseArgs } from 'node:util'
import { createCore } from '../src-main/core/compose'
import { loadDatasetFromCache, makeSplits } from '../src-main/data'
import { BUILT_IN_PRESETS, configFromPreset } from '../src-main/experiments/presets'
import { runPeerScript } from './peers/python'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const shared = resolve(root, '../shared')
const archive = join(shared, 'data/cifar10-jpg.tar.gz')
const mobilenet = join(shared, 'models/mobilenetv2-imagenet')
if (!existsSync(archive) || !existsSync(mobilenet)) {
  console.error(`bench:seed skipped: ${shared} lacks data/cifar10-jpg.tar.gz or models/mobilenetv2-imagenet`)
  process.exit(0)
}
const { values: args } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    'data-dir': { type: 'string' },
    images: { type: 'string' },
    'test-images': { type: 'string' },
    epochs: { type: 'string' },
    backends: { type: 'string' },
    'skip-keras': { type: 'boolean', default: false },
  },
})
const full = args.full ?? false
const positive = (name: string, v: string | undefined): number | null => {
  if (v === undefined) return null
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${v}`)
  return n
}
const imagesArg = positive('images', args.images)
const testImagesArg = positive('test-images', args['test-images'])
const epochsArg = positive('epochs', args.epochs)
const reduced = imagesArg !== null || testImagesArg !== null || epochsArg !== null
const mode = reduced ? 'reduced' : full ? 'full' : 'quick'
// Other work on the machine slows the runs down: the table says how loaded it was.
const startLoad = loadavg()[0]!.toFixed(1)
const dataDirArg = args['data-dir']
const dataDir = dataDirArg ? resolve(dataDirArg) : mkdtempSync(join(tmpdir(), 'bench-seed-'))

// Every mode keeps Keras' usual 10% validation split and evaluates on the whole 10,000-image test
// split; quick mode trains on a stratified 5,000-image subset of what is left for training, a reduced
// run on --images (and tests on --test-images).
const data = {
  validationSplit: 0.1,
  trainSubset: imagesArg ?? (full ? null : 5000),
  testSubset: testImagesArg,
}

function log(text: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`)
}

const backends = args.backends ? args.backends.split(',').map((b) => b.trim()) : [null]
let core = await createCore({ dataDir, shell: 'cli', backend: backends[0] })
const t = performance.now()
let dataset = (await core.call('datasets.list', {}))[0]
if (!dataset) {
  log(`importing ${archive}…`)
  dataset = await core.call('datasets.import', { path: archive, name: 'CIFAR-10 (jpg)' })
}
const importMs = performance.now() - t
const bases = await core.call('models.list', {})
if (!bases.some((b) => b.family === 'mobilenetv2')) await core.call('models.import', { path: mobilenet })
const allBases = await core.call('models.list', {})

function preset(id: string): ExperimentConfig {
  const p = BUILT_IN_PRESETS.find((x) => x.id === id)!
  const c = configFromPreset(p, dataset!.id, allBases)
  return { ...c, data: { ...c.data, ...data } }
}

const scratchPreset = preset('seed-cnn') // 10 epochs, Adam 1e-3
const scratch: ExperimentConfig = {
  ...scratchPreset,
  training: { ...scratchPreset.training, epochs: epochsArg ?? scratchPreset.training.epochs },
}
const transferBase = preset('mobilenetv2-transfer')
const transfer: ExperimentConfig = {
  ...transferBase,
  name: 'MobileNetV2 96px frozen + fine-tune',
  training: { ...transferBase.training, epochs: epochsArg ?? transferBase.training.epochs },
}
const frozenEpochs = transfer.training.epochs
const fineTuneEpochs = transfer.model.kind === 'transfer' ? transfer.model.fineTune.epochs : 0

const subscribe = () =>
  core.events.subscribe((e) => {
    if (e.event === 'run.progress' && e.payload.type === 'epoch') {
      const m = e.payload.metric
      log(
        `${m.phase} epoch ${m.epoch}: loss ${m.loss.toFixed(4)} acc ${(m.accuracy * 100).toFixed(1)}% val_acc ${((m.valAccuracy ?? 0) * 100).toFixed(1)}% ${m.imagesPerSecond.toFixed(0)} img/s`,
      )
    } else if (e.event === 'job.progress' && e.payload.kind === 'feature-cache' && e.payload.stage !== 'computing') {
      log(`features: ${e.payload.stage}`)
    } else if (e.event === 'run.progress' && e.payload.type === 'phase') {
      log(`phase ${e.payload.phase} on ${e.payload.backend}`)
    }
  })
subscribe()

/**
 * Peak resident memory of this process while `work` runs, sampled every 100 ms. Training runs in a
 * worker thread of this process, so this covers the trainer, the store and the dataset cache together.
 */
async function peakRss<T>(work: () => Promise<T>): Promise<{ value: T; peakRssBytes: number }> {
  let peak = process.memoryUsage.rss()
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 100)
  try {
    const value = await work()
    return { value, peakRssBytes: Math.max(peak, process.memoryUsage.rss()) }
  } finally {
    clearInterval(timer)
  }
}

async function runOne(config: ExperimentConfig): Promise<{ run: RunDetail; wallMs: number; peakRssBytes: number }> {
  const { value, peakRssBytes } = await peakRss(() => trainOne(config))
  return { ...value, peakRssBytes }
}

async function trainOne(config: ExperimentConfig): Promise<{ run: RunDetail; wallMs: number }> {
  const start = performance.now()
  const { runIds } = await core.call('training.start', { config })
  const id = runIds[0]!
  log(`run ${id}: ${config.name}`)
  for (;;) {
    const s = await core.call('runs.get', { id })
    if (s.status !== 'queued' && s.status !== 'running') return { run: s, wallMs: performance.now() - start }
    await new Promise((r) => setTimeout(r, 2000))
  }
}

const scratchLabel = `Seed CNN (scratch, ${scratch.training.epochs} epochs)`
const transferLabel = `MobileNetV2 96 px (frozen ${frozenEpochs} epochs + fine-tune ${fineTuneEpochs} epoch${fineTuneEpochs === 1 ? '' : 's'})`
const results: Array<{ label: string; run: RunDetail; wallMs: number; peakRssBytes: number }> = []
for (const [bi, backend] of backends.entries()) {
  if (bi > 0) {
    await core.close()
    core = await createCore({ dataDir, shell: 'cli', backend })
    subscribe()
  }
  for (const [label, config] of [
    [scratchLabel, scratch],
    [transferLabel, transfer],
  ] as const) {
    const r = await runOne(config)
    log(
      `${label}: ${r.run.status} test ${((r.run.evaluation?.accuracy ?? 0) * 100).toFixed(1)}% in ${(r.wallMs / 60000).toFixed(1)} min, peak RSS ${mib(r.peakRssBytes)} MB ${r.run.failureMessage ?? ''}`,
    )
    results.push({ label, ...r })
  }
}
await core.close()

// ---------------------------------------------------------------- Keras, same machine, splits and weights

interface KerasPart {
  wallSeconds: number
  testAccuracy: number
  evaluateSeconds: number
}
interface KerasOutput {
  keras: string
  tensorflow: string
  threads: number
  sizes: { train: number; validation: number; test: number }
  loadSeconds: number
  scratch?: KerasPart & { fitSeconds: number; imagesPerSecond: number }
  transfer?: KerasPart & {
    frozenSeconds: number
    finetuneSeconds: number
    frozenValAccuracy: number
    firstTrainableLayer: string
  }
}

async function runKeras(): Promise<KerasOutput | string> {
  const info = dataset!
  const loaded = await loadDatasetFromCache(dataDir, info)
  // The workbench's own splits of this config, so Keras trains and tests on the same images.
  const splits = makeSplits(loaded.train.labels, loaded.test.labels, scratch.data, info.classNames.length)
  const splitDir = join(dataDir, 'keras-splits')
  mkdirSync(splitDir, { recursive: true })
  for (const name of ['train', 'validation', 'test'] as const) {
    const indices = splits[name]
    writeFileSync(join(splitDir, `${name}.i32`), Buffer.from(indices.buffer, indices.byteOffset, indices.byteLength))
  }
  const started = performance.now()
  const out = runPeerScript<KerasOutput>(
    'keras_assignment.py',
    [
      '--dataset-dir',
      join(dataDir, 'datasets', info.id),
      '--splits',
      splitDir,
      '--mobilenet',
      mobilenet,
      '--scratch-epochs',
      String(scratch.training.epochs),
      '--frozen-epochs',
      String(frozenEpochs),
      '--finetune-epochs',
      String(fineTuneEpochs),
      '--threads',
      String(cpus().length),
    ],
    ['tensorflow', 'keras', 'numpy'],
  )
  log(`Keras done in ${((performance.now() - started) / 60000).toFixed(1)} min`)
  return out
}
const keras = args['skip-keras'] ? 'skipped by --skip-keras' : await runKeras()

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`)
const min = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 60000).toFixed(1)}`)
function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0)
}
const rows = results.map(({ label, run, wallMs, peakRssBytes }) => {
  const ev = run.evaluation
  const phase1 = run.epochs.filter((e) => e.phase === 'train')
  const frozenVal = phase1.at(-1)?.valAccuracy ?? null
  return `| ${label} | ${run.status} | ${pct(ev?.accuracy)} | ${run.modelKind === 'transfer' ? pct(frozenVal) : '–'} | ${pct(ev?.overfitting?.gap)} | ${(run.totalParams ?? 0).toLocaleString('en')} | ${(run.trainableParams ?? 0).toLocaleString('en')} | ${min(run.phaseTimes.load)} / ${min(run.phaseTimes.train)} / ${min(run.phaseTimes.finetune)} / ${min(run.phaseTimes.evaluate)} | ${min(wallMs)} | ${mib(peakRssBytes)} | ${run.backend ?? '–'} |`
})
const kerasRows: string[] = []
if (typeof keras !== 'string') {
  const k = keras
  const m = (sec: number | undefined) => (sec === undefined ? '–' : (sec / 60).toFixed(1))
  if (k.scratch)
    kerasRows.push(
      `| ${scratchLabel} | Keras \`model.fit\` | ${pct(k.scratch.testAccuracy)} | – | – | – | – | ${m(k.loadSeconds)} / ${m(k.scratch.fitSeconds)} / – / ${m(k.scratch.evaluateSeconds)} | ${m(k.scratch.wallSeconds + k.loadSeconds)} | – | keras ${k.keras}, TF ${k.tensorflow} |`,
    )
  if (k.transfer)
    kerasRows.push(
      `| ${transferLabel} | Keras \`model.fit\` | ${pct(k.transfer.testAccuracy)} | ${pct(k.transfer.frozenValAccuracy)} | – | – | – | ${m(k.loadSeconds)} / ${m(k.transfer.frozenSeconds)} / ${m(k.transfer.finetuneSeconds)} / ${m(k.transfer.evaluateSeconds)} | ${m(k.transfer.wallSeconds + k.loadSeconds)} | – | keras ${k.keras}, TF ${k.tensorflow} |`,
    )
}
const ratioLines: string[] = []
if (typeof keras !== 'string') {
  for (const r of results) {
    const part = r.label === scratchLabel ? keras.scratch : keras.transfer
    if (part)
      ratioLines.push(
        `- ${r.label} on ${r.run.backend ?? '?'}: ${((part.wallSeconds + keras.loadSeconds) / (r.wallMs / 1000)).toFixed(2)}x Keras' speed end to end (Keras ${((part.wallSeconds + keras.loadSeconds) / 60).toFixed(1)} min, ours ${(r.wallMs / 60000).toFixed(1)} min); test accuracy ${pct(r.run.evaluation?.accuracy)} vs ${pct(part.testAccuracy)}.`,
      )
  }
}
const scratchAcc = results[0]?.run.evaluation?.accuracy ?? null
const transferAcc = results[1]?.run.evaluation?.accuracy ?? null
const gapPts = scratchAcc !== null && transferAcc !== null ? ((transferAcc - scratchAcc) * 100).toFixed(1) : '–'
// The command as a reader would type it (the data directory is this machine's).
const shownArgs = process.argv
  .slice(2)
  .filter((a, i, all) => a !== '--data-dir' && all[i - 1] !== '--data-dir' && !a.startsWith('--data-dir='))
  .join(' ')
const section = [
  `## Reproduction (${mode})`,
  '',
  `\`npm run bench:seed${shownArgs ? ` -- ${shownArgs}` : ''}\` — ${mode} mode, measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores; load average ${startLoad} when it started, ${loadavg()[0]!.toFixed(1)} at the end).`,
  `Training images: ${results[0]?.run.sizes?.train ?? '–'}, validation ${results[0]?.run.sizes?.validation ?? '–'}, test ${results[0]?.run.sizes?.test ?? '–'}${mode === 'quick' ? ' (quick mode: stratified 5,000-image training subset)' : mode === 'reduced' ? ' (reduced run: stratified subsets)' : ''}. Dataset import: ${(importMs / 1000).toFixed(0)} s.`,
  '',
  '| model | status | test accuracy | val acc after frozen phase | overfitting gap | parameters | trainable (phase 1) | wall time load / train / fine-tune / evaluate (min) | total (min) | peak RSS (MB) | backend |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  ...kerasRows,
  '',
  `Peak memory of the whole assignment (dataset import and our runs, one process with its training worker): ${mib(process.resourceUsage().maxRSS * 1024)} MB resident (getrusage maxRSS); per run, sampled every 100 ms, in the table.`,
  '',
  ...(typeof keras === 'string'
    ? [`Keras column skipped: ${keras}`, '']
    : [
        `Keras rows: the same splits (${keras.sizes.train} / ${keras.sizes.validation} / ${keras.sizes.test}) and MobileNetV2 weights (our tfjs LayersModel read into Keras by bench/peers/tfjs_layers.py), \`model.fit\` with batch 64 and the same optimizers, ${keras.threads} intra- and inter-op threads; "load" is reading the splits from our dataset cache, Keras' transfer model resizes to 96 px inside the model and runs its frozen base every epoch (no feature cache); its \`Resizing\` samples with half-pixel centres where our \`resizeBilinear\` does not.`,
        ...ratioLines,
        '',
      ]),
  `Transfer ahead of scratch by ${gapPts} points. Targets: quick — transfer ≥ 70% and ≥ 15 points ahead of scratch; full — scratch ≥ 68%, frozen ≥ 77%, fine-tuned ≥ 80%.`,
  'The frozen phase trains the head on cached, globally pooled MobileNetV2 features (computed once, reused by later runs); the fine-tune phase trains the unfrozen layers on activations cached at the last exact cut before them (augmentation is off in these presets).',
  '',
].join('\n')

const benchFile = join(root, 'BENCHMARKS.md')
const before = existsSync(benchFile) ? readFileSync(benchFile, 'utf8') : '# Benchmarks\n'
const pattern = new RegExp(`## Reproduction \\(${mode}\\)\\n[\\s\\S]*?(?=\\n## |$)`)
const after = pattern.test(before) ? before.replace(pattern, section) : `${before.trimEnd()}\n\n${section}`
writeFileSync(benchFile, after)
log(`wrote the Reproduction section of ${benchFile}`)
if (!dataDirArg) rmSync(dataDir, { recursive: true, force: true })

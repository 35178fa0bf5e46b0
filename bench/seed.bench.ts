// Reproduction of the assignment: Seed CNN from scratch vs MobileNetV2 transfer (frozen at 96 px, then
// fine-tuned), through the same TrainingService, worker and run store as the app.
//   npm run bench:seed            quick: 5,000 training images
//   npm run bench:seed -- --full  all 45,000 training images left after the validation split
//   npm run bench:seed -- --train-size=N   quick mode on N training images (a smaller machine, a busy one)
//   npm run bench:seed -- --only=scratch|transfer   one of the two runs (its section is then not written)
// Writes its table into the "Reproduction (quick)" or "Reproduction (full)" section of BENCHMARKS.md.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ExperimentConfig } from '@shared/domain/config'
import type { RunDetail } from '@shared/domain/run'
import { createCore } from '../src-main/core/compose'
import { BUILT_IN_PRESETS, configFromPreset } from '../src-main/experiments/presets'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const shared = resolve(root, '../shared')
const archive = join(shared, 'data/cifar10-jpg.tar.gz')
const mobilenet = join(shared, 'models/mobilenetv2-imagenet')
if (!existsSync(archive) || !existsSync(mobilenet)) {
  console.error(`bench:seed skipped: ${shared} lacks data/cifar10-jpg.tar.gz or models/mobilenetv2-imagenet`)
  process.exit(0)
}
const full = process.argv.includes('--full')
const trainSize = Number(process.argv.find((a) => a.startsWith('--train-size='))?.slice('--train-size='.length) ?? 5000)
// A smaller subset writes a section of its own, beside the quick and full results.
const sectionName = full ? 'full' : trainSize === 5000 ? 'quick' : `${trainSize} training images`
// Other work on the machine slows the runs down: the table says how loaded it was.
const startLoad = loadavg()[0]!.toFixed(1)
const dataDirArg = process.argv.find((a) => a.startsWith('--data-dir='))?.slice('--data-dir='.length)
const dataDir = dataDirArg ? resolve(dataDirArg) : mkdtempSync(join(tmpdir(), 'bench-seed-'))

// Both modes keep Keras' usual 10% validation split and evaluate on the whole 10,000-image test split;
// quick mode trains on a stratified 5,000-image subset of what is left for training.
const data = full
  ? { validationSplit: 0.1, trainSubset: null, testSubset: null }
  : { validationSplit: 0.1, trainSubset: trainSize, testSubset: null }

function log(text: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${text}`)
}

const core = await createCore({ dataDir, shell: 'cli' })
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

const scratch = preset('seed-cnn') // 10 epochs, Adam 1e-3
const transferBase = preset('mobilenetv2-transfer')
const transfer: ExperimentConfig = {
  ...transferBase,
  name: 'MobileNetV2 96px frozen + fine-tune',
  training: { ...transferBase.training },
}

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

const only = process.argv.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? null
const results: Array<{ label: string; run: RunDetail; wallMs: number; peakRssBytes: number }> = []
for (const [label, config] of [
  ['Seed CNN (scratch, 10 epochs)', scratch],
  ['MobileNetV2 96 px (frozen 5 epochs + fine-tune 1 epoch)', transfer],
] as const) {
  if (only !== null && (config.model.kind === 'scratch') !== (only === 'scratch')) continue
  const r = await runOne(config)
  log(
    `${label}: ${r.run.status} test ${((r.run.evaluation?.accuracy ?? 0) * 100).toFixed(1)}% in ${(r.wallMs / 60000).toFixed(1)} min, peak RSS ${mib(r.peakRssBytes)} MB ${r.run.failureMessage ?? ''}`,
  )
  results.push({ label, ...r })
}
await core.close()
// The process's high-water mark (getrusage), import included: what the whole assignment needed at once.
const maxRssBytes = process.resourceUsage().maxRSS * 1024

function mib(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0)
}
const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(x * 100).toFixed(1)}%`)
const min = (ms: number | undefined) => (ms === undefined ? '–' : `${(ms / 60000).toFixed(1)}`)
const rows = results.map(({ label, run, wallMs, peakRssBytes }) => {
  const ev = run.evaluation
  const phase1 = run.epochs.filter((e) => e.phase === 'train')
  const frozenVal = phase1.at(-1)?.valAccuracy ?? null
  return `| ${label} | ${run.status} | ${pct(ev?.accuracy)} | ${run.modelKind === 'transfer' ? pct(frozenVal) : '–'} | ${pct(ev?.overfitting?.gap)} | ${(run.totalParams ?? 0).toLocaleString('en')} | ${(run.trainableParams ?? 0).toLocaleString('en')} | ${min(run.phaseTimes.load)} / ${min(run.phaseTimes.train)} / ${min(run.phaseTimes.finetune)} / ${min(run.phaseTimes.evaluate)} | ${min(wallMs)} | ${mib(peakRssBytes)} | ${run.backend ?? '–'} |`
})
const scratchAcc = results[0]?.run.evaluation?.accuracy ?? null
const transferAcc = results[1]?.run.evaluation?.accuracy ?? null
const gapPts = scratchAcc !== null && transferAcc !== null ? ((transferAcc - scratchAcc) * 100).toFixed(1) : '–'
const section = [
  `## Reproduction (${sectionName})`,
  '',
  `\`npm run bench:seed${full ? ' -- --full' : ''}\` — ${full ? 'full' : 'quick'} mode, measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} cores; load average ${startLoad} when it started, ${loadavg()[0]!.toFixed(1)} at the end).`,
  `Training images: ${results[0]?.run.sizes?.train ?? '–'}, validation ${results[0]?.run.sizes?.validation ?? '–'}, test ${results[0]?.run.sizes?.test ?? '–'}${full ? '' : ` (quick mode: stratified ${trainSize.toLocaleString('en')}-image training subset)`}. Dataset import: ${(importMs / 1000).toFixed(0)} s.`,
  '',
  '| model | status | test accuracy | val acc after frozen phase | overfitting gap | parameters | trainable (phase 1) | wall time load / train / fine-tune / evaluate (min) | total (min) | peak RSS (MB) | backend |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
  ...rows,
  '',
  `Peak memory of the whole assignment (dataset import and both runs, one process with its training worker): ${mib(maxRssBytes)} MB resident (getrusage maxRSS); per run, sampled every 100 ms, in the table.`,
  `Transfer ahead of scratch by ${gapPts} points. Targets: quick — transfer ≥ 70% and ≥ 15 points ahead of scratch; full — scratch ≥ 68%, frozen ≥ 77%, fine-tuned ≥ 80%.`,
  'The frozen phase trains the head on cached, globally pooled MobileNetV2 features (computed once, reused by later runs); the fine-tune phase trains the unfrozen layers on activations cached at the last exact cut before them (augmentation is off in these presets).',
  '',
].join('\n')

if (only !== null) {
  // Half a comparison is no table: the figures are in the log above.
  log(`peak RSS of the process (import and the ${only} run): ${mib(maxRssBytes)} MB; BENCHMARKS.md left as it was`)
  if (!dataDirArg) rmSync(dataDir, { recursive: true, force: true })
  process.exit(0)
}
const benchFile = join(root, 'BENCHMARKS.md')
const before = existsSync(benchFile) ? readFileSync(benchFile, 'utf8') : '# Benchmarks\n'
const pattern = new RegExp(`## Reproduction \\(${sectionName}\\)\\n[\\s\\S]*?(?=\\n## |$)`)
const after = pattern.test(before) ? before.replace(pattern, section) : `${before.trimEnd()}\n\n${section}`
writeFileSync(benchFile, after)
log(`wrote the Reproduction section of ${benchFile}`)
if (!dataDirArg) rmSync(dataDir, { recursive: true, force: true })

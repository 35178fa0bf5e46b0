// The same question as epoch-size.bench.ts through the app's own path: TrainingService, the training
// worker, the run store and the progress events, on the imported CIFAR-10 (a data directory from
// bench:seed or `cifar-workbench dataset import`). The Seed CNN preset trains on a 6,400-image subset
// and on the whole 45,000-image training split in alternation, each for a fixed wall time, and the
// batch progress events give the images/s each reached (the same figure the app shows).
//
//   node bin/run-ts.mjs bench/epoch-size-app.bench.ts --data-dir DIR [--seconds 30] [--rounds 1] [--backend NAME]
import { loadavg } from 'node:os'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createCore } from '../src-main/core/compose'
import { BUILT_IN_PRESETS, configFromPreset } from '../src-main/experiments/presets'
import { median } from './timing'

const { values } = parseArgs({
  options: {
    'data-dir': { type: 'string' },
    seconds: { type: 'string', default: '30' },
    rounds: { type: 'string', default: '1' },
    backend: { type: 'string' },
    sizes: { type: 'string', default: '6400,45000' },
  },
})
if (!values['data-dir']) throw new Error('--data-dir DIR (with CIFAR-10 imported) is required')
const dataDir = resolve(values['data-dir'])
const seconds = Number(values.seconds)
const sizes = values.sizes.split(',').map((s) => (s === '45000' ? null : Number(s)))
const core = await createCore({ dataDir, shell: 'cli', backend: values.backend ?? null })
const dataset = (await core.call('datasets.list', {}))[0]
if (!dataset) throw new Error(`${dataDir} holds no dataset: import CIFAR-10 first`)
const preset = BUILT_IN_PRESETS.find((p) => p.id === 'seed-cnn')!
const base = configFromPreset(preset, dataset.id, await core.call('models.list', {}))

let samples: { t: number; step: number; ips: number }[] = []
let backendName = ''
core.events.subscribe((e) => {
  if (e.event === 'run.progress' && e.payload.type === 'batch') {
    samples.push({ t: performance.now(), step: e.payload.step, ips: e.payload.imagesPerSecond })
    backendName = e.payload.backend
  }
})

const rows: string[] = []
for (let r = 0; r < Number(values.rounds); r++) {
  for (const trainSubset of r % 2 ? [...sizes].reverse() : sizes) {
    samples = []
    const config = { ...base, name: `epoch size ${trainSubset ?? 'all'}`, data: { ...base.data, trainSubset } }
    const { runIds } = await core.call('training.start', { config })
    const id = runIds[0]!
    const started = performance.now()
    // Until the first batch arrives (data loading, model build), then for `seconds` of training.
    while (samples.length === 0 && performance.now() - started < 120_000) await new Promise((r) => setTimeout(r, 200))
    const first = samples[0]
    await new Promise((r) => setTimeout(r, seconds * 1000))
    await core.call('training.cancel', { runId: id })
    for (;;) {
      const s = await core.call('runs.get', { id })
      if (s.status !== 'queued' && s.status !== 'running') break
      await new Promise((r) => setTimeout(r, 200))
    }
    const last = samples.at(-1)
    const steps = first && last ? last.step - first.step : 0
    const rate = first && last ? (steps * 64) / ((last.t - first.t) / 1000) : NaN
    rows.push(
      `| ${trainSubset ?? 45000} | ${r + 1} | ${steps} | ${rate.toFixed(0)} | ${median(samples.slice(-5).map((s) => s.ips)).toFixed(0)} |`,
    )
    console.error(rows.at(-1))
  }
}
await core.close()
console.log(`\nbackend ${backendName}, ${seconds} s of training per segment, load average ${loadavg()[0]!.toFixed(1)}\n`)
console.log(
  '| training split | round | batches | images/s (between the first and last batch events) | images/s the app shows (last events) |',
)
console.log('| ---: | ---: | ---: | ---: | ---: |')
for (const row of rows) console.log(row)

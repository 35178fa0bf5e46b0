// Loading runs in full, on its own and optionally side by side with an earlier version of the store:
//   node bin/run-ts.mjs bench/store-load.bench.ts [--baseline GIT_REV] [--rounds N]
// Builds the same 10 runs as section 3 of bench/store.bench.ts (50 epochs, 200,000 batch points
// downsampled, an evaluation each), then times compareRuns of all 10 and getRun of one. With
// --baseline, src-main/store as it was at GIT_REV is extracted to a temp dir and opened on the same
// database file; both versions are timed in alternating order (ABBA) and must return identical
// records. Prints the Markdown rows of "Loading runs in full" in BENCHMARKS.md.
import { execFileSync } from 'node:child_process'
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { BatchPoint, RunDetail } from '@shared/domain/run'
import { openStore } from '../src-main/store'
import { epochMetric, evaluation, scratchConfig, startInfo, tempDir } from '../tests/fixtures/store/factories'
import { median, ms, percentile, timeIt } from './timing'

const { values: args } = parseArgs({ options: { baseline: { type: 'string' }, rounds: { type: 'string', default: '20' } } })
const rounds = Number(args.rounds)
if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds: give a whole number ≥ 1 (got ${args.rounds})`)

const repoRoot = resolve(import.meta.dirname, '..')
const dir = tempDir('cifar-store-load-bench-')

function point(step: number): BatchPoint {
  return {
    phase: 'train',
    epoch: 1 + Math.floor(step / 1000),
    step,
    loss: 1 + Math.sin(step / 300) * 0.2 + Math.random() * 0.05,
    accuracy: 0.5 + Math.random() * 0.1,
  }
}

/** The part of a store version this benchmark times. */
interface Loader {
  compareRuns(ids: string[]): RunDetail[]
  getRun(id: string): RunDetail
  close(): void
}

function loader(file: string, open: typeof openStore): Loader {
  const store = open(file)
  return { compareRuns: (ids) => store.runs.compareRuns(ids), getRun: (id) => store.runs.getRun(id), close: () => store.close() }
}

/**
 * src-main/store at `rev` in a temp tree whose other folders link back to this checkout, opened on
 * `file`: through `openStore` (index.ts) since the store was split, through `openRunStore` before.
 */
async function baselineStore(rev: string, file: string): Promise<Loader> {
  const root = join(dir, 'baseline')
  const files = execFileSync('git', ['ls-tree', '-r', '--name-only', rev, 'src-main/store'], { cwd: repoRoot, encoding: 'utf8' })
    .trim()
    .split('\n')
  mkdirSync(join(root, 'src-main/store'), { recursive: true })
  for (const f of files) writeFileSync(join(root, f), execFileSync('git', ['show', `${rev}:${f}`], { cwd: repoRoot }))
  for (const link of ['src-main/core', 'src-shared', 'package.json', 'node_modules'])
    symlinkSync(join(repoRoot, link), join(root, link))
  if (files.includes('src-main/store/index.ts')) {
    const mod = (await import(pathToFileURL(join(root, 'src-main/store/index.ts')).href)) as { openStore: typeof openStore }
    return loader(file, mod.openStore)
  }
  const mod = (await import(pathToFileURL(join(root, 'src-main/store/run-store.ts')).href)) as {
    openRunStore: (file: string) => Loader
  }
  return mod.openRunStore(file)
}

async function main(): Promise<void> {
  const file = join(dir, 'load.sqlite')
  const opened = openStore(file)
  const store = opened.runs
  const ids: string[] = []
  for (let r = 0; r < 10; r++) {
    const id = store.createRun({ config: scratchConfig({ name: `compare ${r}` }) }).id
    store.startRun(id, startInfo)
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
  const contenders: Array<{ label: string; store: Loader }> = [
    {
      label: 'this version',
      store: { compareRuns: (ids) => store.compareRuns(ids), getRun: (id) => store.getRun(id), close: () => opened.close() },
    },
  ]
  if (args.baseline) {
    const rev = execFileSync('git', ['rev-parse', '--short', args.baseline], { cwd: repoRoot, encoding: 'utf8' }).trim()
    contenders.unshift({ label: `before (${rev})`, store: await baselineStore(rev, file) })
    const [a, b] = contenders.map((c) => JSON.stringify(c.store.compareRuns(ids)))
    if (a !== b) throw new Error(`compareRuns of ${rev} and of this version differ`)
  }
  const points = store.compareRuns(ids).reduce((n, r) => n + r.batchPoints.length, 0) / ids.length
  const compare = contenders.map(() => [] as number[])
  const one = contenders.map(() => [] as number[])
  const loadBefore = loadavg()[0]!
  for (const c of contenders) c.store.compareRuns(ids) // warm-up
  for (let round = 0; round < rounds; round++) {
    const order = contenders.map((_, i) => i)
    if (round % 2 === 1) order.reverse()
    for (const i of order) {
      compare[i]!.push(timeIt(() => contenders[i]!.store.compareRuns(ids)))
      one[i]!.push(timeIt(() => contenders[i]!.store.getRun(ids[0]!)))
    }
  }
  const load = `${loadBefore.toFixed(1)}–${loadavg()[0]!.toFixed(1)}`
  console.log(`${rounds} rounds, load average ${load}, ${Math.round(points).toLocaleString('en')} batch points per run.`)
  console.log('')
  console.log('| call | version | median | p95 | target |')
  console.log('|---|---|---|---|---|')
  contenders.forEach((c, i) => {
    console.log(
      `| compareRuns, 10 runs (50 epochs + ${Math.round(points).toLocaleString('en')} batch points each, evaluation) | ${c.label} | ${ms(median(compare[i]!))} | ${ms(percentile(compare[i]!, 0.95))} | < 100 ms |`,
    )
  })
  contenders.forEach((c, i) => {
    console.log(`| getRun, 1 of those runs | ${c.label} | ${ms(median(one[i]!))} | ${ms(percentile(one[i]!, 0.95))} | |`)
  })
  if (contenders.length === 2) {
    console.log('')
    console.log(
      `Median ratio before / this version: compareRuns ${(median(compare[0]!) / median(compare[1]!)).toFixed(2)}×, getRun ${(median(one[0]!) / median(one[1]!)).toFixed(2)}×.`,
    )
  }
  for (const c of contenders) c.store.close()
}

try {
  await main()
} finally {
  rmSync(dir, { recursive: true, force: true })
}

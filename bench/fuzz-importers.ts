// npm run fuzz -- [--cases N] [--seed S] [--seconds T] [--keep]
// Damages valid inputs of every importer (seeded) and checks the promises of bench/fuzz/importers.ts
// on each case; prints a summary by target and outcome and every broken promise. Exits 1 on any.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { runImporterFuzz } from './fuzz/importers'

const { values } = parseArgs({
  options: {
    cases: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    seconds: { type: 'string', default: '3000' },
    keep: { type: 'boolean', default: false },
  },
})
const root = mkdtempSync(join(tmpdir(), 'cifar-workbench-fuzz-'))
const started = Date.now()
let last = 0
const report = await runImporterFuzz({
  root,
  seed: Number(values.seed),
  cases: Number(values.cases),
  seconds: Number(values.seconds),
  hostile: true,
  onCase: (c) => {
    if (c.target === 'hostile archive')
      console.log(`  ${c.mutation}: ${c.outcome}${c.message ? ` (${c.message})` : ''}, ${c.ms} ms`)
    if (Date.now() - last > 10_000) {
      last = Date.now()
      console.log(`  ${c.index + 1} cases, ${((Date.now() - started) / 1000).toFixed(0)} s`)
    }
  },
})
const byTarget = new Map<string, { accepted: number; refused: number }>()
for (const c of report.cases) {
  const row = byTarget.get(c.target) ?? { accepted: 0, refused: 0 }
  row[c.outcome]++
  byTarget.set(c.target, row)
}
console.log(
  `\n${report.cases.length} cases in ${((Date.now() - started) / 1000).toFixed(0)} s (seed ${values.seed}); slowest case ${report.slowestMs} ms`,
)
console.log('| input | cases | accepted | refused with a one-line error |\n| --- | ---: | ---: | ---: |')
for (const [target, row] of byTarget)
  console.log(`| ${target} | ${row.accepted + row.refused} | ${row.accepted} | ${row.refused} |`)
console.log(
  report.findings.length ? `\n${report.findings.length} broken promises:\n${report.findings.join('\n')}` : '\nno broken promises',
)
if (!values.keep) rmSync(root, { recursive: true, force: true })
process.exit(report.findings.length ? 1 : 0)

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import type { RunBundle } from '@shared/contract/methods'
import type { ReportWriteResult } from '@shared/report/schema'
import { fakeRun } from '../charts/fixtures'
import { runCli } from '../support/cli'
import { markdownImages } from './support'

/** `cifar-workbench report` through the real CLI entry, on runs imported into a fresh data directory. */
describe('cifar-workbench report', () => {
  let dir: string
  let dataDir: string

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-cli-report-'))
    dataDir = join(dir, 'data')
    const bundle: RunBundle = {
      format: 'cifar-workbench-runs',
      version: 1,
      exportedAt: new Date().toISOString(),
      appVersion: '0.1.0',
      runs: [
        fakeRun({ id: 'cli-rep-a', name: 'Seed CNN', epochs: 3 }),
        fakeRun({ id: 'cli-rep-b', name: 'MobileNetV2 transfer', epochs: 4, base: 0.6, kind: 'transfer' }),
      ],
      epochCsv: {},
    }
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle))
    const imported = await runCli(dataDir, 'runs', 'import', join(dir, 'bundle.json'))
    expect(imported.code).toBe(0)
  })
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('writes the report and a zip bundle, and says what it wrote and what it left out', async () => {
    const out = join(dir, 'out')
    const zip = join(dir, 'figures.zip')
    const result = await runCli(dataDir, 'report', 'cli-rep-a', 'cli-rep-b', '--out', out, '--bundle', zip, '--lang', 'es')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const lines = result.stdout.trim().split('\n')
    expect(lines[0]).toBe(`wrote report: ${join(out, 'report.html')}`)
    expect(lines[1]).toBe(`wrote report: ${join(out, 'report.md')} (12 figures)`)
    expect(lines[2]).toMatch(new RegExp(`^wrote bundle: ${zip} \\(\\d+ files\\)$`))
    expect(lines.slice(3).every((l) => l.startsWith('left out '))).toBe(true)
    expect(lines).toContain(
      'left out gradcam of cli-rep-a: run cli-rep-a has no trained model (status completed); only a completed run can export or predict',
    )
    const md = readFileSync(join(out, 'report.md'), 'utf8')
    expect(md).toContain('## Métricas')
    for (const f of markdownImages(md)) expect(PNG.sync.read(readFileSync(join(out, f))).width).toBeGreaterThan(0)
    expect(readFileSync(zip).readUInt32LE(0)).toBe(0x04034b50)
  })

  it('prints the result as JSON', async () => {
    const out = join(dir, 'json')
    const result = await runCli(dataDir, '--json', 'report', 'cli-rep-a', '--out', out, '--grad-cam', '0')
    expect(result.code).toBe(0)
    const parsed = JSON.parse(result.stdout) as ReportWriteResult
    expect(parsed.folder).toBe(out)
    expect(parsed.bundle).toBeNull()
    expect(parsed.files.map((f) => f.kind).slice(0, 2)).toEqual(['html', 'markdown'])
    expect(parsed.omitted.map((o) => o.section)).toEqual(['stats', 'flips', 'summary'])
  })

  it('refuses bad arguments with one line and exit code 2, and a busy folder with the reason', async () => {
    const cases: [string[], RegExp][] = [
      [['report', 'cli-rep-a'], /give --out DIR/],
      [['report', '--out', join(dir, 'x')], /give 1 to 10 run ids/],
      [['report', 'cli-rep-a', '--out', join(dir, 'x'), '--lang', 'fr'], /--lang must be one of en, es \(got "fr"\)/],
      [['report', 'cli-rep-a', '--out', join(dir, 'x'), '--grad-cam', '9'], /--grad-cam must be a whole number from 0 to 8/],
      [['report', 'cli-rep-a', '--out', join(dir, 'x'), '--colour'], /Unknown option '--colour'/],
    ]
    for (const [args, message] of cases) {
      const result = await runCli(dataDir, ...args)
      expect(result.code, args.join(' ')).toBe(2)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toMatch(message)
    }
    expect(existsSync(join(dir, 'x'))).toBe(false)
    const busy = await runCli(dataDir, 'report', 'cli-rep-a', '--out', join(dir, 'out'))
    expect(busy.code).toBe(1)
    expect(busy.stderr.trim()).toMatch(/out already exists and is not empty; give a new or empty folder$/)
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['figures', 'report.html', 'report.md'])
  })

  it('has help text', async () => {
    const result = await runCli(dataDir, 'report', '--help')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('usage: cifar-workbench report ID [ID…] --out DIR')
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { promisify } from 'node:util'
import { PNG } from 'pngjs'
import type { RunBundle } from '@shared/contract/methods'
import { fakeRun } from './charts/fixtures'

const REPO_ROOT = resolve(import.meta.dirname, '..', '..')
const BIN = join(REPO_ROOT, 'bin', 'cifar-workbench.mjs')
/** Copies of the files written, to look at after a run. */
const KEEP = join(REPO_ROOT, 'test-output', 'cli-compare')
const run = promisify(execFile)

interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The real CLI in a child process, as a user runs it. */
async function cli(dataDir: string, ...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, '--data-dir', dataDir, ...args], {
      cwd: REPO_ROOT,
      timeout: 60_000,
    })
    return { code: 0, stdout, stderr }
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string }
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }
  }
}

/** `cifar-workbench compare ID… --export … --csv … --report …` on two runs imported into a fresh data dir. */
describe('cifar-workbench compare (child process)', () => {
  let dir: string
  let dataDir: string
  const runs = [
    fakeRun({ id: 'cli-scratch', name: 'Seed CNN', epochs: 3 }),
    fakeRun({ id: 'cli-transfer', name: 'MobileNetV2 transfer', epochs: 5, base: 0.6, kind: 'transfer' }),
  ]

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-cli-compare-'))
    dataDir = join(dir, 'data')
    const bundle: RunBundle = {
      format: 'cifar-workbench-runs',
      version: 1,
      exportedAt: new Date().toISOString(),
      appVersion: '0.1.0',
      runs,
      epochCsv: {},
    }
    writeFileSync(join(dir, 'bundle.json'), JSON.stringify(bundle))
    const imported = await cli(dataDir, 'runs', 'import', join(dir, 'bundle.json'))
    expect(imported.stderr).toBe('')
    expect(imported.code).toBe(0)
  })
  afterAll(() => {
    mkdirSync(KEEP, { recursive: true })
    for (const f of ['fig.png', 'fig.svg', 'metrics.csv', 'report.html']) {
      try {
        copyFileSync(join(dir, f), join(KEEP, f))
      } catch {
        // A test that failed before writing it.
      }
    }
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('writes a PNG figure, the epoch CSV and a self-contained HTML report, and says so as JSON', async () => {
    const png = join(dir, 'fig.png')
    const csv = join(dir, 'metrics.csv')
    const html = join(dir, 'report.html')
    const result = await cli(
      dataDir,
      '--json',
      'compare',
      'cli-scratch',
      'cli-transfer',
      '--export',
      png,
      '--csv',
      csv,
      '--report',
      html,
    )
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const out = JSON.parse(result.stdout) as { runs: string[]; written: { kind: string; path: string; bytes: number }[] }
    expect(out.runs).toEqual(['cli-scratch', 'cli-transfer'])
    expect(out.written).toEqual(
      [png, csv, html].map((path, i) => ({ kind: ['figure', 'csv', 'report'][i], path, bytes: readFileSync(path).length })),
    )

    const image = PNG.sync.read(readFileSync(png))
    // Two runs: 6 panels in 2 columns of 640×400, 16 px gaps, 40 px title band, at 2x.
    expect([image.width, image.height]).toEqual([2 * 1328, 2 * 1304])
    const colours = new Set<number>()
    for (let i = 0; i < image.data.length; i += 4) colours.add(image.data.readUInt32BE(i))
    expect(colours.size).toBeGreaterThan(200)

    const lines = readFileSync(csv, 'utf8').trim().split('\n')
    expect(lines[0]).toMatch(/^run_id,run_name,seed,phase,epoch,/)
    expect(lines).toHaveLength(1 + 3 + 5)
    expect(lines.filter((l) => l.startsWith('cli-scratch,'))).toHaveLength(3)
    expect(lines.filter((l) => l.startsWith('cli-transfer,'))).toHaveLength(5)

    const report = readFileSync(html, 'utf8')
    expect(report).toMatch(/^<!doctype html>/i)
    expect(report).toContain('<svg')
    expect(report).toContain('<td class="best">')
    expect(report).toContain('MobileNetV2 transfer')
    // Self-contained: no scripts, no external stylesheets, images or fonts.
    expect(report).not.toMatch(/<script|<link|src="(?!data:)|url\((?!#|data:)/i)
  })

  it('writes an SVG figure that parses, with curves in the run colours', async () => {
    const svg = join(dir, 'fig.svg')
    const result = await cli(dataDir, 'compare', 'cli-scratch', 'cli-transfer', '--export', svg)
    expect(result.code).toBe(0)
    expect(result.stdout.trim()).toMatch(/^wrote figure: .*fig\.svg \(\d+ bytes\)$/)
    const text = readFileSync(svg, 'utf8')
    expect(text).toMatch(/^(<\?xml[^>]*>\s*)?<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/)
    expect(text.trimEnd().endsWith('</svg>')).toBe(true)
    // Well-formed: every element opened is closed, in order.
    const stack: string[] = []
    for (const m of text.matchAll(/<(\/?)([a-zA-Z][\w:-]*)[^>]*?(\/?)>/g)) {
      const [, closing, tag, selfClosing] = m
      if (selfClosing) continue
      if (closing) expect(stack.pop()).toBe(tag)
      else stack.push(tag!)
    }
    expect(stack).toEqual([])
    expect(text).toContain('stroke="#0072B2"')
    expect(text).toContain('stroke="#E69F00"')
    expect(text).toContain('>Accuracy (%)</text>')
  })

  it('fails with one line naming an unknown run id, and writes nothing', async () => {
    const png = join(dir, 'missing.png')
    const result = await cli(dataDir, 'compare', 'cli-scratch', 'no-such-run', '--export', png)
    expect(result.code).not.toBe(0)
    expect(result.stdout).toBe('')
    const lines = result.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^error: .*no-such-run/)
    expect(() => readFileSync(png)).toThrow()
  })
})

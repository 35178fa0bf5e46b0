import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Download, Page } from 'playwright-core'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import type { RunDetail } from '@shared/domain/run'
import type { ReportWriteResult } from '@shared/report/schema'
import { describeStats, type CompareStats, type Flips } from '@shared/stats'
import { createCore } from '../../src-main/core/compose'
import { openSource } from '../../src-main/data/sources/archive'
import { CLASS_NAMES } from '../unit/data/fixtures'
import { expectWellFormedXml, markdownImages } from '../unit/report/support'
import { parseError } from './support/files'
import { extraBrowser, missingPrerequisite, REPO_ROOT, screenshot, startWorkbench, type Workbench } from './support/harness'

/** A CIFAR-10 binary folder a tiny CNN learns a little: class c brightens a 6×6 patch at a place of its own. */
function patchCifar(root: string, perBatch: number): string {
  const dir = join(root, 'cifar-10-batches-bin')
  mkdirSync(dir, { recursive: true })
  let state = 7
  const noise = () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 16) % 160
  const batch = (offset: number) => {
    const out = Buffer.alloc(perBatch * 3073)
    for (let i = 0; i < perBatch; i++) {
      const c = (i + offset) % 10
      out[i * 3073] = c
      const [px, py] = [(c % 5) * 6 + 1, Math.floor(c / 5) * 16 + 5]
      for (let ch = 0; ch < 3; ch++)
        for (let p = 0; p < 1024; p++) {
          const [x, y] = [p % 32, Math.floor(p / 32)]
          const patch = x >= px && x < px + 6 && y >= py && y < py + 6 ? 90 : 0
          out[i * 3073 + 1 + ch * 1024 + p] = Math.min(255, noise() + patch)
        }
    }
    return out
  }
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), batch(b))
  writeFileSync(join(dir, 'test_batch.bin'), batch(0))
  writeFileSync(join(dir, 'batches.meta.txt'), `${CLASS_NAMES.join('\n')}\n`)
  return dir
}

/** Clicks the Report action and saves the two downloads it starts (the HTML, then the bundle zip). */
async function reportDownloads(page: Page, dir: string): Promise<{ html: string; zip: string }> {
  const downloads: Download[] = []
  const listener = (d: Download) => void downloads.push(d)
  page.on('download', listener)
  await page.locator('[data-export="report"]').click()
  await page.getByTestId('report-status').waitFor({ timeout: 240_000 })
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBe(2)
  page.off('download', listener)
  const saved: string[] = []
  for (const d of downloads) {
    const path = join(dir, d.suggestedFilename())
    await d.saveAs(path)
    saved.push(path)
  }
  return { html: saved.find((p) => p.endsWith('.html'))!, zip: saved.find((p) => p.endsWith('.zip'))! }
}

const missing = missingPrerequisite()
if (missing) console.warn(`skipping the report e2e test: ${missing}`)

/**
 * The report of two real runs (two tiny CNNs trained on a generated dataset, with saved models and
 * per-image predictions): written by the core, and exported from Compare in Chromium as the HTML and
 * the figure bundle, in English and in Spanish.
 */
describe.skipIf(missing !== null)('the report of a comparison (browser mode)', () => {
  let work: string
  let dataDir: string
  let wb: Workbench
  let ids: string[]
  let runs: RunDetail[]
  let stats: CompareStats
  let flips: Flips
  let written: ReportWriteResult

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cw-e2e-report-'))
    dataDir = join(work, 'data')
    const core = await createCore({ dataDir, shell: 'cli' })
    try {
      const dataset = await core.call('datasets.import', { path: patchCifar(work, 100), name: 'patches' })
      const config = (name: string, filters: number[]) =>
        ExperimentConfig.parse({
          name,
          data: { datasetId: dataset.id, validationSplit: 0.2 },
          model: { kind: 'scratch', filters, denseUnits: 16 },
          training: { epochs: 2, batchSize: 25, seed: 1 },
        })
      const small = await core.call('training.start', { config: config('small cnn', [2, 2]) })
      const wide = await core.call('training.start', { config: config('wide cnn', [8, 8]) })
      ids = [small.runIds[0]!, wide.runIds[0]!]
      const wait = async (id: string): Promise<RunDetail> => {
        for (;;) {
          const run = await core.call('runs.get', { id })
          if (run.status !== 'queued' && run.status !== 'running') return run
          await new Promise((r) => setTimeout(r, 100))
        }
      }
      runs = await Promise.all(ids.map(wait))
      for (const run of runs) expect(run.status, run.failureMessage ?? '').toBe('completed')
      stats = await core.call('compare.stats', { ids })
      flips = await core.call('compare.flips', { a: ids[0]!, b: ids[1]!, limit: 8 })
      written = await core.call('report.write', { ids, out: join(work, 'report'), bundle: join(work, 'bundle') })
    } finally {
      await core.close()
    }
    wb = await startWorkbench({ dataDir })
  }, 600_000)
  afterAll(async () => {
    await wb?.close()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('writes the Markdown report with its flipped images and Grad-CAM maps beside it', () => {
    expect(written.omitted).toEqual([])
    const md = readFileSync(written.markdown, 'utf8')
    const images = markdownImages(md)
    const gradCam = images.filter((f) => f.startsWith('figures/gradcam-'))
    // Three test images for each of the two runs, side by side.
    expect(gradCam).toHaveLength(6)
    const flipped = images.filter((f) => f.startsWith('figures/flips-'))
    expect(flipped).toHaveLength(flips.onlyA.images.length + flips.onlyB.images.length)
    for (const f of images) {
      const png = PNG.sync.read(readFileSync(join(written.folder, f)))
      // Flipped thumbnails are the 32 px test images at 3x; Grad-CAM maps at least 256 px.
      if (f.startsWith('figures/flips-')) expect([png.width, png.height]).toEqual([96, 96])
      if (f.startsWith('figures/gradcam-')) expect(png.height).toBeGreaterThanOrEqual(256)
    }
    expect(md).toContain(`> ${describeStats(stats, 'en').replace(/([\\`*_[\]|<>])/g, '\\$1')}`)
    // Each model summary lists every layer, as Keras does.
    for (const run of runs) {
      expect(run.modelSummary).not.toBeNull()
      for (const layer of run.modelSummary!.layers)
        expect(md).toContain(`| ${layer.name.replace(/_/g, '\\_')} (${layer.className}) |`)
    }
    const csv = readFileSync(join(written.bundle!.path, 'val-accuracy.csv'), 'utf8').trim().split('\n')
    expect(csv).toHaveLength(1 + runs.reduce((n, r) => n + r.epochs.length, 0))
  })

  it('exports the report and the figure bundle from Compare, in English', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/compare?ids=${ids.join(',')}`)
    await page.getByTestId('compare-metrics').waitFor({ timeout: 60_000 })
    const files = await reportDownloads(page, wb.downloadsDir)
    expect(await page.getByTestId('report-open').getAttribute('href')).toMatch(/^blob:/)
    await screenshot(page, 'compare-report-action')

    const html = readFileSync(files.html, 'utf8')
    expect(await parseError(page, html, 'text/html')).toBeNull()
    expect(html).not.toMatch(/<script|<link|src="(?!data:)|url\((?!#|data:)/i)
    expect(html).toContain(`data-testid="report-sentence">${describeStats(stats, 'en')}</p>`)
    const gradCam = html.slice(html.indexOf('data-table="grad-cam"'))
    expect(gradCam.slice(0, gradCam.indexOf('</table>')).match(/<img /g)).toHaveLength(6)
    expect(html).toContain('data-table="summary-run1"')

    const bundle = await openSource(files.zip)
    const entry = (name: string) => bundle.entries.find((e) => e.path === name)!.data
    const manifest = JSON.parse(entry('manifest.json').toString()) as {
      figures: { svg: string; png: string }[]
      gradCam: string[]
    }
    expect(manifest.figures).toHaveLength(12)
    expect(manifest.gradCam).toHaveLength(6)
    for (const f of manifest.gradCam) expect(PNG.sync.read(entry(f)).height).toBeGreaterThanOrEqual(256)
    for (const f of manifest.figures) {
      const svg = entry(f.svg).toString()
      expectWellFormedXml(svg)
      expect(await parseError(page, svg, 'image/svg+xml')).toBeNull()
      expect(PNG.sync.read(entry(f.png)).width).toBeGreaterThan(0)
    }
    expect(JSON.parse(entry('configs/run1-small-cnn.json').toString())).toEqual(runs[0]!.config)

    // The report as a reader sees it (and as the browser prints it).
    await page.goto(`file://${files.html}`)
    await page.locator('h1').waitFor()
    await screenshot(page, 'report-top', { height: 1400 })
    await page.locator('#model-summaries').scrollIntoViewIfNeeded()
    await screenshot(page, 'report-summaries', { height: 1400 })
    await page.locator('#flipped-images').scrollIntoViewIfNeeded()
    await screenshot(page, 'report-flips', { height: 1400 })
    await page.locator('#grad-cam').scrollIntoViewIfNeeded()
    await screenshot(page, 'report-grad-cam', { height: 1400 })
    await page.locator('#confusion').scrollIntoViewIfNeeded()
    await screenshot(page, 'report-confusion', { height: 1400 })
    // Chromium prints it to PDF, as Electron's printToPDF and the browser's print do.
    const pdf = await page.pdf({ format: 'A4', printBackground: true })
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-')
    expect(pdf.toString('latin1').match(/\/Type\s*\/Page\b/g)!.length).toBeGreaterThan(3)
    mkdirSync(join(REPO_ROOT, 'test-output'), { recursive: true })
    writeFileSync(join(REPO_ROOT, 'test-output', 'report.pdf'), pdf)
    expect(wb.errors).toEqual([])
  })

  it('and in Spanish', async () => {
    const es = await extraBrowser('es-ES')
    try {
      await es.page.goto(`${wb.server.url}#/compare?ids=${ids.join(',')}`)
      await es.page.getByTestId('compare-metrics').waitFor({ timeout: 60_000 })
      expect(await es.page.locator('[data-export="report"]').textContent()).toContain('Informe…')
      const files = await reportDownloads(es.page, join(work))
      const html = readFileSync(files.html, 'utf8')
      expect(html).toContain('<html lang="es">')
      expect(html).toContain(describeStats(stats, 'es'))
      expect(html).toContain('Dónde miran los modelos (Grad-CAM)')
      await screenshot(es.page, 'compare-report-action-es')
      await es.page.goto(`file://${files.html}`)
      await es.page.locator('h1').waitFor()
      await screenshot(es.page, 'report-top-es', { height: 1400 })
    } finally {
      await es.close()
    }
  })
})

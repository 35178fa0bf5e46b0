import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunBundle } from '@shared/contract/methods'
import { fakeRun } from '../unit/charts/fixtures'
import { missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'
import { download, parseError, pngInfo } from './support/files'

const missing = missingPrerequisite()
if (missing) console.warn(`skipping the export e2e test: ${missing}`)

/**
 * History → Compare → export, on runs imported as a bundle through the UI (no training needed):
 * the real store, the real renderer and the real chart code in Chromium.
 */
describe.skipIf(missing !== null)('History, Compare and exports in browser mode', () => {
  let wb: Workbench
  const runs = [
    fakeRun({ id: 'e2e-scratch-1', name: 'Seed CNN', epochs: 4 }),
    fakeRun({ id: 'e2e-transfer-1', name: 'MobileNetV2 transfer', epochs: 4, base: 0.6, kind: 'transfer' }),
  ]

  beforeAll(async () => {
    wb = await startWorkbench()
  })
  afterAll(async () => {
    await wb?.close()
  })

  it('imports a bundle in History, selects both runs and compares them', async () => {
    const { page } = wb
    const bundle: RunBundle = {
      format: 'cifar-workbench-runs',
      version: 1,
      exportedAt: new Date().toISOString(),
      appVersion: '0.1.0',
      runs,
      epochCsv: {},
    }
    const file = join(wb.downloadsDir, 'bundle.json')
    writeFileSync(file, JSON.stringify(bundle))
    await page.goto(`${wb.server.url}#/history`)
    await page.locator('main h1').waitFor()
    await page.locator('[data-testid="import-bundle"]').setInputFiles(file)
    await page.locator('[data-testid="history-table"] tbody tr').nth(1).waitFor()
    expect(await page.locator('[data-testid="history-table"] tbody tr').count()).toBe(2)
    await screenshot(page, 'history')
    for (const r of runs) await page.locator(`tr[data-run="${r.id}"] input[type=checkbox]`).check()
    await page.locator('[data-testid="compare-selected"]').click()
    await page.waitForURL(/#\/compare\?ids=/)
    await page.locator('[data-testid="compare-metrics"]').waitFor()
    await page.waitForTimeout(300)
    expect(await page.locator('[data-testid="compare-metrics"] td.best').count()).toBeGreaterThan(3)
    await screenshot(page, 'compare')
  })

  it('exports the figure (PNG 2x, SVG), each chart, the CSV and the HTML report', async () => {
    const { page } = wb
    const dir = wb.downloadsDir
    const fig = await download(page, '[data-export="figure-png"]', dir)
    const figInfo = pngInfo(fig.path)
    // 6 panels, 2 columns of 640×400 with 16 px gaps and a 40 px title band, at 2x.
    expect([figInfo.width, figInfo.height]).toEqual([2 * 1328, 2 * 1304])
    expect(figInfo.colours).toBeGreaterThan(200)

    const chart = await download(page, '[data-export="compare-1-png"]', dir)
    expect(pngInfo(chart.path)).toMatchObject({ width: 1600, height: 900 })
    expect(pngInfo(chart.path).colours).toBeGreaterThan(50)

    const svgs: string[] = []
    for (const selector of ['[data-export="figure-svg"]', '[data-export="compare-1-svg"]']) {
      const svg = await download(page, selector, dir)
      const text = readFileSync(svg.path, 'utf8')
      expect(await parseError(page, text, 'image/svg+xml')).toBeNull()
      // Curves are real paths in the run colours, with axis titles and tick labels as text.
      expect(text).toContain('stroke="#0072B2"')
      expect(text).toContain('stroke="#E69F00"')
      expect(text).toContain('>Accuracy (%)</text>')
      expect(text).toMatch(/>100<\/text>/)
      svgs.push(svg.path)
    }

    const csv = await download(page, '[data-export="metrics-csv"]', dir)
    const lines = readFileSync(csv.path, 'utf8').trim().split('\n')
    expect(lines[0]).toMatch(/^run_id,run_name,seed,phase,epoch,/)
    expect(lines).toHaveLength(1 + runs.reduce((n, r) => n + r.epochs.length, 0))

    const report = await download(page, '[data-export="report-html"]', dir)
    const html = readFileSync(report.path, 'utf8')
    expect(await parseError(page, html, 'text/html')).toBeNull()
    expect(html).toContain('<td class="best">')
    expect(html).not.toMatch(/<script|src="http/)
    await page.goto(`file://${svgs[0]}`)
    await page.waitForTimeout(200)
    await screenshot(page, 'compare-figure-svg')
    await page.goto(`file://${report.path}`)
    await page.waitForTimeout(200)
    await screenshot(page, 'compare-report')
  })

  it('opens Run detail with curves, per-class table and confusion matrix', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/runs/${runs[1]!.id}`)
    await page.locator('[data-testid="per-class"]').waitFor()
    expect(await page.locator('[data-testid="per-class"] tbody tr').count()).toBe(10 + 2)
    await page.locator('[data-testid="normalise"]').check()
    await page.waitForTimeout(300)
    await screenshot(page, 'run-detail')
    expect(wb.errors).toEqual([])
  })
})

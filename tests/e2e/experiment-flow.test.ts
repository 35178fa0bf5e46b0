import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SHARED_DIR, missingPrerequisite, missingShared, screenshot, startWorkbench, type Workbench } from './support/harness'
import { download, parseError, pngInfo } from './support/files'

const missing = missingPrerequisite()
const ARCHIVE = join(SHARED_DIR, 'data', 'cifar10-jpg.tar.gz')
const BASE = join(SHARED_DIR, 'models', 'mobilenetv2-imagenet')
const noData = missingShared('the experiment flow on real data', 'data/cifar10-jpg.tar.gz', 'models/mobilenetv2-imagenet')
if (missing) console.warn(`skipping the experiment e2e tests: ${missing}`)

/** The Experiments form validates, starts real runs that Live follows, and History, Run detail, Compare and every export show them. */
describe.skipIf(missing !== null)('experiments end to end in browser mode', () => {
  let wb: Workbench

  beforeAll(async () => {
    wb = await startWorkbench()
  })
  afterAll(async () => {
    await wb?.close()
  })

  it('shows translated errors next to invalid fields and starts nothing', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/experiments`)
    const form = page.locator('[data-testid="experiment-form"]')
    await form.waitFor()
    await form.locator('input[name="name"]').fill('')
    await form.locator('input[name="training.epochs"]').fill('0')
    await form.locator('input[name="model.filters"]').fill('32')
    await form.locator('input[name="model.filters"]').blur()
    await form.locator('input[name="data.validationSplit"]').fill('0.9')
    await page.locator('[data-testid="start-run"]').click()
    const err = (field: string) => form.locator(`[data-field="${field}"] .field-error`)
    expect(await err('name').textContent()).toBe('Give the experiment a name')
    expect(await err('training.epochs').textContent()).toBe('Must be at least 1')
    expect(await err('model.filters').textContent()).toBe('Give one filter count per conv block')
    expect(await err('data.validationSplit').textContent()).toBe('Must be at most 0.5')
    expect(await form.locator('input[name="training.epochs"]').getAttribute('aria-invalid')).toBe('true')
    expect(await form.locator('[role="alert"]').textContent()).toContain('nothing was started')
    await screenshot(page, 'experiments-invalid')
    const runs = await wb.server.core.call('runs.list', {})
    expect(runs.total).toBe(0)
  })

  it('creates a scratch and a transfer run from the form, watches them live, then compares and exports', async (ctx) => {
    if (noData) return ctx.skip(noData)
    const { page, server } = wb
    const dataset = await server.core.call('datasets.import', { path: ARCHIVE, name: 'CIFAR-10 (jpg)' })
    const base = await server.core.call('models.import', { path: BASE, name: 'MobileNetV2' })

    async function startFromForm(kind: 'scratch' | 'transfer', name: string): Promise<void> {
      // A full load, so the form lists the dataset and base registered a moment ago.
      await page.goto(`${server.url}#/experiments`)
      await page.reload()
      const form = page.locator('[data-testid="experiment-form"]')
      await form.locator(`select[name="data.datasetId"] option[value="${dataset.id}"]`).waitFor({ state: 'attached' })
      await form.locator('select[name="data.datasetId"]').selectOption(dataset.id)
      await form.locator('select[name="model.kind"]').selectOption(kind)
      if (kind === 'transfer') {
        await form.locator('select[name="model.baseId"]').selectOption(base.id)
        await form.locator('select[name="model.inputSize"]').selectOption(String(Math.max(32, base.minInputSize <= 32 ? 32 : 64)))
      }
      await form.locator('input[name="name"]').fill(name)
      await form.locator('input[name="data.trainSubset"]').fill('300')
      await form.locator('input[name="data.testSubset"]').fill('100')
      await form.locator('input[name="training.epochs"]').fill('3')
      await form.locator('input[name="training.batchSize"]').fill('25')
      await page.locator('[data-testid="start-run"]').click()
      await page.waitForURL(/#\/live/)
    }

    await startFromForm('scratch', 'e2e scratch')
    // Live: the curves grow while the run streams.
    await page.locator('[data-testid="live-status"]').waitFor()
    // The page's CSP forbids evaluated strings, so poll from here.
    const points = async () => Number(await page.locator('[data-testid="live-charts"]').getAttribute('data-points'))
    const until = async (ok: (n: number) => boolean) => {
      const end = Date.now() + 120_000
      while (Date.now() < end && !ok(await points())) await page.waitForTimeout(100)
    }
    await until((n) => n > 0)
    const first = await points()
    await until((n) => n > first)
    expect(await points()).toBeGreaterThan(first)
    // Live names the run by its experiment, not by its id.
    expect(await page.locator('[data-testid="live-run-name"]').textContent()).toBe('e2e scratch')
    await screenshot(page, 'live')
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.waitForTimeout(200)
    await screenshot(page, 'live-dark')
    await page.emulateMedia({ colorScheme: 'light' })
    await startFromForm('transfer', 'e2e transfer')

    const deadline = Date.now() + 240_000
    let list = await server.core.call('runs.list', {})
    while (Date.now() < deadline && list.items.filter((r) => r.status === 'completed').length < 2) {
      if (list.items.some((r) => r.status === 'failed'))
        throw new Error(`a run failed: ${JSON.stringify(list.items.map((r) => [r.name, r.status]))}`)
      await page.waitForTimeout(1000)
      list = await server.core.call('runs.list', {})
    }
    expect(list.items.map((r) => r.status)).toEqual(['completed', 'completed'])
    await screenshot(page, 'live-finished')

    await page.goto(`${server.url}#/history`)
    for (const r of list.items) await page.locator(`tr[data-run="${r.id}"] input[type=checkbox]`).check()
    await screenshot(page, 'history-trained')
    const transfer = list.items.find((r) => r.modelKind === 'transfer')!
    await page.locator(`tr[data-run="${transfer.id}"] a`).click()
    await page.locator('[data-testid="per-class"]').waitFor()
    await screenshot(page, 'run-detail-trained')

    await page.goto(`${server.url}#/history`)
    for (const r of list.items) await page.locator(`tr[data-run="${r.id}"] input[type=checkbox]`).check()
    await page.locator('[data-testid="compare-selected"]').click()
    await page.locator('[data-testid="compare-metrics"]').waitFor()
    await page.waitForTimeout(300)
    await screenshot(page, 'compare-trained', { height: 1250 })
    await page.emulateMedia({ colorScheme: 'dark' })
    await page.waitForTimeout(300)
    await screenshot(page, 'compare-trained-dark', { height: 1700 })
    await page.emulateMedia({ colorScheme: 'light' })

    const png = pngInfo((await download(page, '[data-export="figure-png"]', wb.downloadsDir)).path)
    expect(png.colours).toBeGreaterThan(200)
    const svg = readFileSync((await download(page, '[data-export="figure-svg"]', wb.downloadsDir)).path, 'utf8')
    expect(await parseError(page, svg, 'image/svg+xml')).toBeNull()
    const csv = readFileSync((await download(page, '[data-export="metrics-csv"]', wb.downloadsDir)).path, 'utf8')
      .trim()
      .split('\n')
    const epochs = (await server.core.call('runs.compare', { ids: list.items.map((r) => r.id) })).reduce(
      (n, r) => n + r.epochs.length,
      0,
    )
    expect(csv).toHaveLength(1 + epochs)
    const html = readFileSync((await download(page, '[data-export="report-html"]', wb.downloadsDir)).path, 'utf8')
    expect(await parseError(page, html, 'text/html')).toBeNull()
    expect(wb.errors).toEqual([])
  })
})

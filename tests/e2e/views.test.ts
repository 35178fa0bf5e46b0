import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Locator, Page } from 'playwright-core'
import { x as untar } from 'tar'
import type { RunBundle } from '@shared/contract/methods'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { RunDetail } from '@shared/domain/run'
import { fakeRun } from '../unit/charts/fixtures'
import { SHARED_DIR, missingPrerequisite, missingShared, screenshot, startWorkbench, type Workbench } from './support/harness'

const missing = missingPrerequisite()
const ARCHIVE = join(SHARED_DIR, 'data', 'cifar10-jpg.tar.gz')
if (missing) console.warn(`skipping the views e2e test: ${missing}`)
const noData = missingShared('the views with a real dataset', 'data/cifar10-jpg.tar.gz')

/** A 600-image CIFAR-10 folder (30 per class and split) from the real archive: imports in seconds. */
async function cifarSubset(dir: string): Promise<string> {
  await untar({ file: ARCHIVE, cwd: dir, filter: (path) => /^cifar10-jpg\/(train|test)\/[a-z]+\/00[0-2]\d\.jpg$/.test(path) })
  return join(dir, 'cifar10-jpg')
}

/** The page itself never scrolls sideways: wide content scrolls inside its own card. */
async function expectNoPageOverflow(page: Page): Promise<void> {
  const main = page.locator('main')
  const [scroll, client] = await main.evaluate((el) => [el.scrollWidth, el.clientWidth])
  expect(scroll, 'main scrolls sideways').toBeLessThanOrEqual(client)
}

/** `inner` lies horizontally inside `outer` (1 px of rounding allowed). */
async function expectInside(inner: Locator, outer: Locator): Promise<void> {
  const a = await inner.boundingBox()
  const b = await outer.boundingBox()
  expect(a && b).toBeTruthy()
  expect(a!.x).toBeGreaterThanOrEqual(b!.x - 1)
  expect(a!.x + a!.width).toBeLessThanOrEqual(b!.x + b!.width + 1)
}

/** Every view with real content, their empty and error states, the dark theme and wide tables at 1400 px. */
describe.skipIf(missing !== null)('views with content, errors and themes in browser mode', () => {
  let wb: Workbench
  let scratch: string
  let dataset: DatasetInfo | null = null

  beforeAll(async () => {
    wb = await startWorkbench()
    scratch = mkdtempSync(join(tmpdir(), 'cw-e2e-views-'))
  })
  afterAll(async () => {
    await wb?.close()
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  it('Data: the empty state points at the form above it, and a broken archive fails with a clear error', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/data`)
    const empty = page.locator('main .empty')
    await empty.waitFor()
    expect(await empty.textContent()).toContain('with the form above')
    const broken = join(scratch, 'broken.tar.gz')
    writeFileSync(broken, Buffer.from('this is not a gzip archive\n'.repeat(40)))
    await page.locator('[data-testid="import-path"]').fill(broken)
    await page.locator('form button[type="submit"]').click()
    const alert = page.locator('main .card [role="alert"]')
    await alert.waitFor()
    const message = (await alert.textContent()) ?? ''
    expect(message).toContain('broken.tar.gz')
    expect(message).toContain('not gzip data')
    expect(message.length).toBeLessThan(400)
    expect(await page.locator('[data-testid="datasets"]').count()).toBe(0)
    await screenshot(page, 'data-error')
  })

  it('Data: a real dataset shows its class counts chart, samples per class and the augmentation preview', async (ctx) => {
    if (noData) return ctx.skip(noData)
    const { page } = wb
    const folder = await cifarSubset(scratch)
    await page.locator('[data-testid="import-path"]').fill(folder)
    await page.locator('input[placeholder="Name (optional)"]').fill('CIFAR-10 subset (600)')
    await page.locator('form button[type="submit"]').click()
    await page.locator('[data-testid="datasets"] tbody tr').waitFor({ timeout: 60_000 })
    expect(await page.locator('main .card [role="alert"]').count()).toBe(0)
    dataset = (await wb.server.core.call('datasets.list', {}))[0] ?? null
    expect(dataset?.totals).toEqual({ train: 300, test: 300 })
    await expect.poll(() => page.locator('.class-row').count(), { timeout: 30_000 }).toBe(10)
    expect(await page.locator('.class-row').first().locator('img').count()).toBe(6)
    await page.locator('[data-testid="augment-preview"]').click()
    await expect.poll(() => page.locator('.aug img').count(), { timeout: 30_000 }).toBe(9)
    await expectNoPageOverflow(page)
    await expectInside(
      page.locator('[data-testid="datasets"]').locator('xpath=..'),
      page.locator('[data-testid="datasets"]').locator('xpath=../..'),
    )
    await screenshot(page, 'data-dataset', { height: 1500 })
    expect(wb.errors).toEqual([])
  })

  it('Models: the MobileNetV2 that ships with the app, with its layer summary; a wrong path fails clearly', async () => {
    const { page, server } = wb
    await page.goto(`${server.url}#/models`)
    await page.reload()
    await page.locator('main h2', { hasText: 'MobileNetV2 1.0 (ImageNet)' }).waitFor()
    await page.locator('main h2', { hasText: 'SqueezeNet 1.1 (ImageNet)' }).waitFor()
    // Both ship with the app: marked so, and offered no Remove button (the core would refuse it).
    expect(await page.locator('[data-testid="bundled"]').count()).toBe(2)
    expect(await page.locator('main .card button.danger').count()).toBe(0)
    await page.locator('main .card button[aria-expanded]').first().click()
    await page.locator('main table.summary tbody tr').nth(5).waitFor()
    await expectNoPageOverflow(page)
    await screenshot(page, 'models-base')
    await page
      .locator('main form input')
      .first()
      .fill(join(scratch, 'no-such-model', 'model.json'))
    await page.locator('main form button[type="submit"]').click()
    const alert = page.locator('main .card [role="alert"]')
    await alert.waitFor({ timeout: 30_000 })
    expect(await alert.textContent()).toContain('no-such-model')
    await page.locator('main').evaluate((el) => el.scrollTo(0, 0))
    await screenshot(page, 'models-error')
  })

  it('Run detail: the mistakes gallery shows real test images, the confusion matrix its normalised view, tables fit their cards', async (ctx) => {
    if (!dataset) return ctx.skip(noData ?? 'no dataset imported')
    const { page, server } = wb
    const ds = dataset
    const base = fakeRun({
      id: 'views-transfer',
      name: 'MobileNetV2 transfer, seed 7',
      epochs: 6,
      base: 0.55,
      kind: 'transfer',
      seed: 7,
    })
    const images = await server.core.call('datasets.images', {
      id: ds.id,
      split: 'test',
      indices: Array.from({ length: 16 }, (_, i) => i * 17),
    })
    const run: RunDetail = {
      ...base,
      datasetId: ds.id,
      config: { ...base.config, data: { ...base.config.data, datasetId: ds.id } },
      tags: ['transfer', 'e2e'],
      evaluation: {
        ...base.evaluation!,
        classNames: [...ds.classNames],
        perClass: base.evaluation!.perClass.map((c, i) => ({ ...c, className: ds.classNames[i]! })),
        mistakes: images.map((img, i) => ({
          index: img.index,
          trueLabel: img.label,
          predictedLabel: (img.label + 1 + (i % 3)) % 10,
          confidence: 0.98 - i * 0.04,
        })),
      },
    }
    const other = fakeRun({ id: 'views-scratch', name: 'Seed CNN, seed 7', epochs: 4, seed: 7 })
    const bundle: RunBundle = {
      format: 'cifar-workbench-runs',
      version: 1,
      exportedAt: new Date().toISOString(),
      appVersion: '0.1.0',
      runs: [run, other],
      epochCsv: {},
    }
    await server.core.call('runs.import', { bundle })

    await page.goto(`${server.url}#/runs/${run.id}`)
    await page.locator('[data-testid="per-class"]').waitFor()
    await page.locator('[data-testid="normalise"]').check()
    await expect.poll(() => page.locator('.gallery li').count(), { timeout: 30_000 }).toBe(16)
    const first = page.locator('.gallery li').first()
    expect(await first.locator('img').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)).toBe(32)
    expect(await first.textContent()).toContain(ds.classNames[images[0]!.label]!)
    // Every per-class column, Support included, lies inside its card at 1400 px.
    const card = page.locator('[data-testid="per-class"]').locator('xpath=ancestor::div[contains(@class,"card")][1]')
    await expectInside(page.locator('[data-testid="per-class"] thead th').last(), card)
    await expectNoPageOverflow(page)
    await page.locator('h2', { hasText: 'Evaluation' }).evaluate((el) => el.scrollIntoView())
    await page.waitForTimeout(200)
    await screenshot(page, 'run-detail-mistakes', { height: 1300 })
    expect(wb.errors).toEqual([])
  })

  it('History: all columns fit their card at 1400 px; narrower, the table scrolls inside its card, the page never sideways', async (ctx) => {
    if (!dataset) return ctx.skip(noData ?? 'no dataset imported')
    const { page, server } = wb
    await page.goto(`${server.url}#/history`)
    await page.locator('[data-testid="history-table"] tbody tr').nth(1).waitFor()
    await expectNoPageOverflow(page)
    const wrap = page.locator('[data-testid="history-table"]').locator('xpath=..')
    const card = wrap.locator('xpath=..')
    await expectInside(wrap, card)
    // At 1400 px all 13 columns fit their card, tags included.
    const [scroll, client] = await wrap.evaluate((el) => [el.scrollWidth, el.clientWidth])
    expect(scroll).toBeLessThanOrEqual(client + 1)
    await expectInside(page.locator('[data-testid="history-table"] thead th').last(), card)
    await screenshot(page, 'history-wide')
    // In a narrow window the table scrolls inside its card and the page still does not.
    await page.setViewportSize({ width: 900, height: 900 })
    try {
      await page.waitForTimeout(200)
      await expectNoPageOverflow(page)
      await expectInside(wrap, card)
      expect(await wrap.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true)
      await screenshot(page, 'history-narrow')
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 })
    }
  })

  it('Compare and Run detail in the dark theme', async (ctx) => {
    if (!dataset) return ctx.skip(noData ?? 'no dataset imported')
    const { page, server } = wb
    await page.emulateMedia({ colorScheme: 'dark' })
    try {
      await page.goto(`${server.url}#/compare?ids=views-scratch,views-transfer`)
      await page.locator('[data-testid="compare-metrics"]').waitFor()
      expect(await page.locator('html').getAttribute('data-theme')).toBe('dark')
      await page.waitForTimeout(300)
      await expectNoPageOverflow(page)
      await screenshot(page, 'compare-dark', { height: 1700 })
      await page.goto(`${server.url}#/runs/views-transfer`)
      await page.locator('[data-testid="per-class"]').waitFor()
      await page.locator('h2', { hasText: 'Evaluation' }).evaluate((el) => el.scrollIntoView())
      await expect.poll(() => page.locator('.gallery li').count(), { timeout: 30_000 }).toBe(16)
      await screenshot(page, 'run-detail-dark', { height: 1300 })
    } finally {
      await page.emulateMedia({ colorScheme: 'light' })
    }
    expect(wb.errors).toEqual([])
  })

  it('Experiments: a transfer preset and the scratch-vs-transfer card take the MobileNetV2 that ships with the app', async () => {
    const { page, server } = wb
    const own = await server.core.call('models.get', { id: 'mobilenetv2-imagenet' })
    await page.goto(`${server.url}#/experiments`)
    await page.reload()
    const form = page.locator('[data-testid="experiment-form"]')
    await page.locator(`[data-testid="wizard-base"] option[value="${own.id}"]`).waitFor({ state: 'attached' })
    await page.locator('[data-preset="mobilenetv2-transfer"]').click()
    expect(await form.locator('select[name="model.kind"]').inputValue()).toBe('transfer')
    expect(await form.locator('select[name="model.baseId"]').inputValue()).toBe(own.id)
    expect(await form.locator('input[name="name"]').inputValue()).toBe('MobileNetV2 transfer')
    expect(await page.locator('[data-testid="wizard-base"]').inputValue()).toBe(own.id)
    await screenshot(page, 'experiments-transfer-preset')
    // And back to the one Seed CNN.
    await page.locator('[data-preset="seed-cnn"]').click()
    expect(await form.locator('select[name="model.kind"]').inputValue()).toBe('scratch')
    expect(await form.locator('input[name="model.filters"]').inputValue()).toBe('32, 64')
    expect(wb.errors).toEqual([])
  })
})

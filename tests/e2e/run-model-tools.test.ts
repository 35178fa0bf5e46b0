import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunDetail } from '@shared/domain/run'
import { pngOf, writeCifarBinary } from '../unit/data/fixtures'
import { runCli } from '../unit/support/cli'
import { missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'

const missing = missingPrerequisite()
if (missing) console.warn(`skipping the run model tools e2e test: ${missing}`)

describe.skipIf(missing !== null)('Run detail: predict on dropped images and export the model', () => {
  let wb: Workbench
  let scratch: string
  let run: RunDetail

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cw-e2e-model-tools-'))
    const dataDir = join(scratch, 'data')
    expect((await runCli(dataDir, 'dataset', 'import', writeCifarBinary(scratch, 6), '--name', 'tiny')).code).toBe(0)
    const trained = await runCli(
      dataDir,
      '--json',
      'train',
      '--preset',
      'seed-cnn',
      '--epochs',
      '1',
      '--train-size',
      '20',
      '--seed',
      '2',
    )
    expect(trained.code, trained.stderr).toBe(0)
    run = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as RunDetail
    wb = await startWorkbench({ dataDir })
  })
  afterAll(async () => {
    await wb?.close()
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  it('shows the top-5 classes beside each picked image, a clear error for a non-image, and exports ONNX', async () => {
    const { page } = wb
    const good = join(scratch, 'stripes.png')
    writeFileSync(
      good,
      pngOf(80, (r, c) => [(c * 3) % 256, 40 + ((r * 2) % 200), ((r + c) * 5) % 256]),
    )
    const bad = join(scratch, 'notes.txt')
    writeFileSync(bad, 'not an image')
    await page.goto(`${wb.server.url}#/runs/${run.id}`)
    await page.locator('[data-testid="predict-input"]').setInputFiles([good, bad])
    const items = page.locator('[data-testid="predictions"] li')
    await page.locator('[data-testid="predictions"] li table.top').waitFor({ timeout: 120_000 })
    expect(await items.count()).toBe(2)
    expect(await items.nth(0).locator('tr').count()).toBe(5)
    expect(
      await items
        .nth(0)
        .locator('img')
        .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth),
    ).toBe(80)
    expect(await items.nth(1).locator('[role="alert"]').textContent()).toBe('not a JPEG, PNG or WebP image')
    expect(await page.locator('[data-testid="predict-preparation"]').textContent()).toContain('32×32')

    await page.locator('[data-testid="export-format"]').selectOption('onnx')
    await page.locator('[data-testid="export-model"]').click()
    const result = page.locator('[data-testid="export-result"]')
    await result.waitFor({ timeout: 120_000 })
    expect(await result.textContent()).toContain('model.onnx')
    expect(await result.textContent()).toContain(join(wb.dataDir, 'exports', `${run.id}-onnx`))
    await page.locator('[data-testid="predictions"]').scrollIntoViewIfNeeded()
    await screenshot(page, 'run-detail-model-tools', { height: 1500 })
    expect(wb.errors).toEqual([])
  })
})

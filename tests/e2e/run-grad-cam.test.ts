import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunDetail } from '@shared/domain/run'
import { writeCifarBinary } from '../unit/data/fixtures'
import { runCli } from '../unit/support/cli'
import { missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'

const missing = missingPrerequisite()
if (missing) console.warn(`skipping the Grad-CAM e2e test: ${missing}`)

describe.skipIf(missing !== null)('Run detail: Grad-CAM of a test image', () => {
  let wb: Workbench
  let scratch: string
  let run: RunDetail

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cw-e2e-grad-cam-'))
    const dataDir = join(scratch, 'data')
    expect((await runCli(dataDir, 'dataset', 'import', writeCifarBinary(scratch, 6), '--name', 'tiny')).code).toBe(0)
    const trained = await runCli(dataDir, '--json', 'train', '--preset', 'seed-cnn', '--epochs', '1', '--train-size', '20')
    expect(trained.code, trained.stderr).toBe(0)
    run = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as RunDetail
    wb = await startWorkbench({ dataDir })
  })
  afterAll(async () => {
    await wb?.close()
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  it('draws the heatmap over the chosen test image and names the layer and classes', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/runs/${run.id}`)
    await page.locator('[data-testid="grad-cam-index"]').fill('3')
    await page.locator('[data-testid="grad-cam-class"]').selectOption('cat')
    await page.locator('[data-testid="grad-cam-run"]').click()
    const caption = page.locator('[data-testid="grad-cam-caption"]')
    await caption.waitFor({ timeout: 120_000 })
    expect(await caption.textContent()).toMatch(/heatmap of cat from layer block\d_conv\d \(\d+×\d+\)\.\s+True class: \w+\./)
    // The canvas holds the picture: not one flat colour.
    const colours = await page.locator('[data-testid="grad-cam-canvas"]').evaluate((c) => {
      type Canvas2d = {
        getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }
      }
      const data = (c as unknown as Canvas2d).getContext('2d').getImageData(0, 0, 256, 256).data
      const seen = new Set<number>()
      for (let i = 0; i < data.length; i += 4 * 97) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
      return seen.size
    })
    expect(colours).toBeGreaterThan(10)
    await page.locator('[data-testid="grad-cam"]').scrollIntoViewIfNeeded()
    await screenshot(page, 'run-detail-grad-cam', { height: 1500 })
    expect(wb.errors).toEqual([])
  })
})

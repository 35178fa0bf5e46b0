import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunDetail } from '@shared/domain/run'
import { timmResnet18 } from '../../src-main/engine/architectures/timm'
import { timmStateDict, writeSafetensors } from '../unit/architectures/safetensors-fixtures'
import { writeCifarBinary } from '../unit/data/fixtures'
import { runCli } from '../unit/support/cli'
import { missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'

const missing = missingPrerequisite()
if (missing) console.warn(`skipping the timm base e2e test: ${missing}`)

describe.skipIf(missing !== null)('a timm .safetensors base in the Models view and on Run detail', () => {
  let wb: Workbench
  let scratch: string
  let file: string

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'cw-e2e-timm-'))
    const dataDir = join(scratch, 'data')
    expect((await runCli(dataDir, 'dataset', 'import', writeCifarBinary(scratch, 6), '--name', 'tiny')).code).toBe(0)
    const model = timmResnet18(null)
    file = writeSafetensors(join(scratch, 'resnet18.safetensors'), timmStateDict(model, 4))
    model.dispose()
    wb = await startWorkbench({ dataDir })
  }, 120_000)
  afterAll(async () => {
    await wb?.close()
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  it('uploads the state_dict, lists it as a timm base, and a run on it says its BatchNorm stays in inference mode', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/models`)
    await page.locator('[data-testid="model-path-upload"]').setInputFiles(file)
    const card = page.locator('.card', { hasText: 'ResNet-18 (timm)' })
    await card.waitFor({ timeout: 120_000 })
    expect(await card.locator('.tag').first().textContent()).toBe('timm-resnet18')
    await screenshot(page, 'models-timm-base')

    const config = join(scratch, 'resnet18.json')
    writeFileSync(
      config,
      JSON.stringify({
        name: 'resnet18 transfer',
        model: {
          kind: 'transfer',
          baseId: 'resnet18-timm',
          inputSize: 32,
          fineTune: { enabled: true, epochs: 1, trainableLayers: 2 },
        },
      }),
    )
    const trained = await runCli(wb.dataDir, '--json', 'train', '--config', config, '--epochs', '1', '--train-size', '20')
    expect(trained.code, trained.stderr).toBe(0)
    const run = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as RunDetail
    await page.goto(`${wb.server.url}#/runs/${run.id}`)
    const note = page.locator('[data-testid="bn-inference"]')
    await note.waitFor({ timeout: 60_000 })
    expect(await note.textContent()).toContain("the base's 20 BatchNormalization layers keep their moving mean and variance")
    await note.scrollIntoViewIfNeeded()
    await screenshot(page, 'run-detail-bn-inference')
    expect(wb.errors).toEqual([])
  })
})

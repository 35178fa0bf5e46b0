// Resume from Run detail, in browser mode on the real renderer and core: a run cancelled after its
// first epoch offers to continue from that checkpoint, and does, to its last epoch; a completed run
// offers nothing.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import { writeSyntheticCifar } from '../unit/training/fixtures'
import { missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'
import { waitFinal } from '../support/runs'

const missing = missingPrerequisite()

describe.skipIf(missing !== null)('resuming a run from Run detail', () => {
  let wb: Workbench
  let work: string

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cw-e2e-resume-'))
    wb = await startWorkbench()
  })
  afterAll(async () => {
    await wb?.close()
    rmSync(work, { recursive: true, force: true })
  })

  it('a cancelled run continues from its checkpoint to its last epoch', async () => {
    const { core, url } = wb.server
    const dataset = await core.call('datasets.import', { path: writeSyntheticCifar(work, 12), name: 'generated' })
    const config = ExperimentConfig.parse({
      name: 'stopped early',
      data: { datasetId: dataset.id, validationSplit: 0.2 },
      model: { kind: 'scratch', filters: [8, 16], denseUnits: 32 },
      training: { epochs: 3, batchSize: 16, seed: 1 },
    })
    const { runIds } = await core.call('training.start', { config })
    const id = runIds[0]!
    await new Promise<void>((resolve) => {
      const off = core.events.subscribe((e) => {
        if (e.event === 'run.progress' && e.payload.type === 'epoch' && e.payload.runId === id) {
          off()
          void core.call('training.cancel', { runId: id }).then(() => resolve())
        }
      })
    })
    const cancelled = await waitFinal(wb.server.core, id)
    expect(cancelled.status).toBe('cancelled')
    const kept = cancelled.epochs.length

    const { page } = wb
    await page.goto(`${url}#/runs/${id}`)
    const card = page.locator('[data-testid="run-resume"]')
    await card.waitFor()
    expect(await card.textContent()).toContain(`after epoch ${kept}`)
    expect(await card.textContent()).toContain('the engine chosen in Settings')
    await screenshot(page, 'run-detail-resume')

    await card.locator('[data-testid="resume-run"]').click()
    const resumed = await waitFinal(wb.server.core, id)
    expect(resumed.status).toBe('completed')
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3])
    // The page follows the run to its end, and a completed run offers no resume.
    await page.locator('h1 .status-completed').waitFor()
    expect(await card.count()).toBe(0)
    expect(wb.errors).toEqual([])
  })
})

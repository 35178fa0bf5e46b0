import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Locator } from 'playwright-core'
import { ExperimentConfig } from '@shared/domain/config'
import { inputSizeCost, sizeEvidence } from '@shared/domain/input-size'
import { overfittingSummary } from '@shared/domain/overfitting'
import type { RunDetail } from '@shared/domain/run'
import { phaseTimeline } from '@shared/domain/training-phases'
import { createCore } from '../../src-main/core/compose'
import { pngOf } from '../unit/data/fixtures'
import { writeSyntheticCifar } from '../unit/training/fixtures'
import { SCREENSHOT_DIR, extraBrowser, missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'

const missing = missingPrerequisite()
if (missing) console.warn(`skipping the overfitting and Grad-CAM side-by-side e2e test: ${missing}`)

const BASE = 'mobilenetv2-imagenet'

/** A shot of one part of the page (the app scrolls inside <main>, so whole-page shots miss most of it). */
async function shot(locator: Locator, name: string): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  await locator.scrollIntoViewIfNeeded()
  await locator.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) })
}

/** How many distinct colours a canvas shows (sampled): a drawn chart or heatmap has many, a blank one one. */
async function colours(canvas: Locator): Promise<number> {
  return canvas.evaluate((c) => {
    type Canvas2d = {
      width: number
      height: number
      getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } }
    }
    const el = c as unknown as Canvas2d
    const data = el.getContext('2d').getImageData(0, 0, el.width, el.height).data
    const seen = new Set<number>()
    for (let i = 0; i < data.length; i += 4 * 31) seen.add((data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!)
    return seen.size
  })
}

/**
 * Overfitting and the two phases on real runs (a small CNN from scratch, the bundled MobileNetV2 at
 * 32 px with fine-tuning and plateau reductions, and one at 64 px, trained on generated images): Run
 * detail and Compare show the gap curves, the best epoch and epochs past it, the phase timeline with
 * the counts the trainer recorded, the input-size note with the history's evidence, and Grad-CAM of
 * the same test image and of a dropped image for two runs side by side.
 */
describe.skipIf(missing !== null)('overfitting, phases, input size and Grad-CAM side by side (browser mode)', () => {
  let work: string
  let dataDir: string
  let wb: Workbench
  let scratch: RunDetail
  let small: RunDetail
  let large: RunDetail

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cw-e2e-overfit-'))
    dataDir = join(work, 'data')
    mkdirSync(dataDir, { recursive: true })
    const core = await createCore({ dataDir, shell: 'cli' })
    try {
      const dataset = await core.call('datasets.import', { path: writeSyntheticCifar(work, 40), name: 'generated' })
      const config = (name: string, model: Record<string, unknown>, training: Record<string, unknown>) =>
        ExperimentConfig.parse({
          name,
          data: { datasetId: dataset.id, validationSplit: 0.2 },
          model,
          training: { batchSize: 20, seed: 3, ...training },
        })
      const started = await core.call('training.start', {
        config: config('cnn from scratch', { kind: 'scratch', filters: [8, 16], denseUnits: 32 }, { epochs: 5 }),
      })
      const tuned = await core.call('training.start', {
        config: config(
          'mobilenet 32 px',
          {
            kind: 'transfer',
            baseId: BASE,
            inputSize: 32,
            headUnits: 32,
            headDropout: 0,
            fineTune: { enabled: true, epochs: 3, learningRate: 1e-4, trainableLayers: 4 },
          },
          // Patience 0 on validation accuracy lowers the rate at every epoch that does not beat the best,
          // which the easy generated images reach within a few epochs: the timeline has reductions to show.
          { epochs: 8, reduceLrOnPlateau: { enabled: true, monitor: 'val_accuracy', patience: 0, factor: 0.5, minLr: 0 } },
        ),
      })
      const wide = await core.call('training.start', {
        config: config(
          'mobilenet 64 px',
          { kind: 'transfer', baseId: BASE, inputSize: 64, headUnits: 32, headDropout: 0 },
          { epochs: 2 },
        ),
      })
      const wait = async (id: string): Promise<RunDetail> => {
        for (;;) {
          const run = await core.call('runs.get', { id })
          if (run.status !== 'queued' && run.status !== 'running') return run
          await new Promise((r) => setTimeout(r, 100))
        }
      }
      const finished = await Promise.all([started, tuned, wide].map((s) => wait(s.runIds[0]!)))
      scratch = finished[0]!
      small = finished[1]!
      large = finished[2]!
      for (const run of [scratch, small, large]) expect(run.status, run.failureMessage ?? '').toBe('completed')
    } finally {
      await core.close()
    }
    wb = await startWorkbench({ dataDir })
  }, 600_000)
  afterAll(async () => {
    await wb?.close()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('Run detail of the transfer run: the gap curves, its best epoch, the phase timeline and the input-size note', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/runs/${small.id}`)
    const card = page.getByTestId('run-overfitting')
    await card.waitFor({ timeout: 60_000 })
    const summary = overfittingSummary(small.epochs)!
    const text = await page.getByTestId('overfit-summary').textContent()
    expect(text).toContain(`at epoch ${summary.bestEpoch} of ${small.epochs.length}`)
    expect(await page.getByTestId('overfit-past').textContent()).toBe(
      summary.epochsPastBest === 0
        ? 'No epoch trained past it.'
        : `Trained ${summary.epochsPastBest} epoch${summary.epochsPastBest === 1 ? '' : 's'} past it.`,
    )
    const charts = card.locator('canvas')
    expect(await charts.count()).toBe(2)
    for (let i = 0; i < 2; i++) expect(await colours(charts.nth(i))).toBeGreaterThan(5)

    // The timeline: fine-tuning from epoch 9, its 4 layers, the counts the trainer recorded, the plateau reductions.
    const timeline = phaseTimeline(small)
    expect(timeline.unfreezeEpoch).toBe(9)
    expect(small.phaseParams.map((p) => p.phase)).toEqual(['train', 'finetune'])
    const tuned = small.phaseParams[1]!
    expect(tuned.unfrozenLayers).toBe(4)
    expect(await page.getByTestId('timeline-unfreeze').textContent()).toBe(
      `The base was unfrozen at epoch 9: 4 layers with weights, from ${tuned.firstUnfrozenLayer} on.`,
    )
    const cells = (phase: string) =>
      page.getByTestId('timeline-table').locator(`tbody tr[data-phase="${phase}"] td`).allTextContents()
    const train = await cells('train')
    const tune = await cells('finetune')
    expect(train[0]).toBe('1–8 (8 of 8)')
    expect(tune[0]).toBe('9–11 (3 of 3)')
    expect(train.slice(2)).toEqual(
      [small.phaseParams[0]!.trainableParams, small.phaseParams[0]!.frozenParams].map((n) => n.toLocaleString('en')),
    )
    expect(tune.slice(2)).toEqual([tuned.trainableParams, tuned.frozenParams].map((n) => n.toLocaleString('en')))
    expect(tuned.trainableParams).toBeGreaterThan(small.phaseParams[0]!.trainableParams)
    const trainRates = timeline.phases[0]!.rates
    expect(trainRates.length).toBeGreaterThan(1)
    expect(train[1]).toContain(`${trainRates.length - 1} plateau reduction`)
    expect(await page.getByTestId('timeline-derived').count()).toBe(0)

    // The note: 1×1 instead of 7×7, and what the history shows (the 64 px run against this 32 px one).
    const note = page.getByTestId('input-size-note').first()
    const cost = inputSizeCost(small.config.model, 'mobilenetv2')!
    expect(cost.featureSide).toBe(1)
    expect(await note.getByTestId('input-size-cost').textContent()).toContain('is 1×1 instead of 7×7 at 224 px')
    const evidence = sizeEvidence(
      [small, large].map((r) => ({
        id: r.id,
        inputSize: r.config.model.kind === 'transfer' ? r.config.model.inputSize : 0,
        testAccuracy: r.testAccuracy!,
      })),
      32,
    )
    const gain = evidence.gain!
    expect(await note.getByTestId('input-size-evidence').textContent()).toContain(
      `your runs at 64 px average ${Math.abs(gain.points * 100).toFixed(1)} points ${gain.points >= 0 ? 'more' : 'less'} test accuracy than those at 32 px`,
    )
    expect(await note.getByTestId('input-size-history').locator('tbody tr').count()).toBe(2)
    await screenshot(page, 'run-detail-transfer-top', { height: 1200 })
    await shot(note, 'run-detail-input-size-note')
    await shot(card, 'run-detail-overfitting')
    expect(wb.errors).toEqual([])
  })

  it('the scratch run has the gap curve and no timeline or note; the form shows the note when a 32 px base is chosen', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/runs/${scratch.id}`)
    await page.getByTestId('run-overfitting').waitFor({ timeout: 60_000 })
    expect(await page.getByTestId('phase-timeline').count()).toBe(0)
    expect(await page.getByTestId('input-size-note').count()).toBe(0)

    await page.goto(`${wb.server.url}#/experiments`)
    const form = page.locator('[data-testid="experiment-form"]')
    await form.locator(`select[name="model.kind"]`).waitFor()
    await form.locator('select[name="model.kind"]').selectOption('transfer')
    await form.locator('select[name="model.baseId"]').selectOption(BASE)
    await form.locator('select[name="model.inputSize"]').selectOption('32')
    const note = form.getByTestId('input-size-note')
    await note.waitFor()
    expect(await note.getByTestId('input-size-cost').textContent()).toContain('1×1 instead of 7×7')
    await form.locator('select[name="model.inputSize"]').selectOption('224')
    await expect.poll(() => form.getByTestId('input-size-note').count()).toBe(0)
    await form.locator('select[name="model.inputSize"]').selectOption('32')
    await note.waitFor()
    await shot(form.locator('section.section').nth(2), 'experiments-input-size-note')
    // The wizard's transfer side is the form's own transfer model on that base: the same note.
    const wizardNote = page.locator('.side').getByTestId('input-size-note')
    await wizardNote.waitFor()
    expect(await wizardNote.getByTestId('input-size-cost').textContent()).toContain('1×1 instead of 7×7')
    await shot(page.locator('.side > .card').nth(1), 'experiments-wizard-input-size-note')
    expect(wb.errors).toEqual([])
  })

  it('Compare: one gap curve per run, and Grad-CAM of the same test image and of a dropped image side by side', async () => {
    const { page, server } = wb
    await page.goto(`${server.url}#/compare?ids=${scratch.id},${small.id}`)
    const card = page.getByTestId('compare-overfitting')
    await card.waitFor({ timeout: 60_000 })
    for (const [i, run] of [scratch, small].entries())
      expect(await page.getByTestId(`compare-past-${i}`).textContent()).toBe(
        String(overfittingSummary(run.epochs)!.epochsPastBest),
      )
    const charts = card.locator('canvas')
    expect(await charts.count()).toBe(2)
    expect(await colours(charts.first())).toBeGreaterThan(5)
    expect(await card.getByTestId('phase-timeline').count()).toBe(1)
    expect(await card.getByTestId('input-size-note').count()).toBe(1)
    await shot(card, 'compare-overfitting')

    const cam = page.getByTestId('compare-grad-cam')
    await cam.getByTestId('grad-cam-side-index').fill('5')
    await cam.getByTestId('grad-cam-side-run').click()
    const captions = cam.getByTestId('grad-cam-caption')
    await expect.poll(() => captions.count(), { timeout: 180_000, interval: 500 }).toBe(2)
    const expected = await Promise.all(
      [scratch, small].map((r) => server.core.call('inference.explain', { id: r.id, image: { datasetIndex: 5 } })),
    )
    for (const [i, e] of expected.entries()) {
      const caption = await cam.getByTestId(`grad-cam-side-${i}`).getByTestId('grad-cam-caption').textContent()
      expect(caption).toContain(
        `heatmap of ${e.explained.className} from layer ${e.layer} (${e.layerSize.width}×${e.layerSize.height})`,
      )
      expect(caption).toContain(`True class: ${e.trueClass}.`)
      expect(await colours(cam.getByTestId(`grad-cam-side-${i}`).locator('canvas'))).toBeGreaterThan(10)
    }
    // At 32 px the transfer model's last feature map (head_relu) is 1×1, no map at all: Grad-CAM falls
    // back to the last layer that still has a spatial one, which is the note's cost seen in the heatmap.
    expect(expected[1]!.availableLayers).not.toContain('head_relu')
    expect(expected[1]!.layerSize.width).toBeGreaterThan(1)
    expect(await cam.getByTestId('grad-cam-scale').count()).toBe(1)
    await shot(cam, 'compare-grad-cam-side-by-side')

    // A dropped image: sent as bytes, explained for both runs as the core explains the same file by path.
    const file = join(work, 'stripes.png')
    writeFileSync(
      file,
      pngOf(72, (r, c) => [(c * 5) % 256, 60 + ((r * 3) % 180), ((r + c) * 4) % 256]),
    )
    await cam.getByTestId('grad-cam-side-file-input').setInputFiles(file)
    await cam.getByTestId('grad-cam-side-file-name').waitFor({ timeout: 60_000 })
    await expect.poll(() => captions.count(), { timeout: 180_000, interval: 500 }).toBe(2)
    const byPath = await Promise.all(
      [scratch, small].map((r) => server.core.call('inference.explain', { id: r.id, image: { path: file } })),
    )
    for (const [i, e] of byPath.entries()) {
      const caption = await cam.getByTestId(`grad-cam-side-${i}`).getByTestId('grad-cam-caption').textContent()
      expect(caption).toContain(`Predicted ${e.predicted.className} (${(e.predicted.probability * 100).toFixed(1)}%)`)
      expect(caption).not.toContain('True class')
    }
    await shot(cam, 'compare-grad-cam-dropped-image')
    expect(wb.errors).toEqual([])
  })

  it('in Spanish: the note, the gap summary and the timeline', async () => {
    const es = await extraBrowser('es-ES')
    try {
      await es.page.goto(`${wb.server.url}#/runs/${small.id}`)
      const note = es.page.getByTestId('input-size-note').first()
      await note.getByTestId('input-size-evidence').waitFor({ timeout: 60_000 })
      expect(await note.locator('strong').first().textContent()).toBe(
        'Tamaño de entrada: MobileNetV2 a 32 px, entrenada a 224 px',
      )
      expect(await note.getByTestId('input-size-cost').textContent()).toContain('es de 1×1 en lugar de 7×7 a 224 px')
      expect(await note.getByTestId('input-size-evidence').textContent()).toContain('tus ejecuciones a 64 px promedian')
      const past = overfittingSummary(small.epochs)!.epochsPastBest
      expect(await es.page.getByTestId('overfit-past').textContent()).toBe(`Se entrenaron ${past} épocas después.`)
      expect(await es.page.getByTestId('timeline-unfreeze').textContent()).toContain('La base se descongeló en la época 9')
      await shot(es.page.getByTestId('run-overfitting'), 'run-detail-overfitting-es')
    } finally {
      await es.close()
    }
  })

  it('Run detail: Grad-CAM of a dropped image', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/runs/${small.id}`)
    const cam = page.getByTestId('grad-cam')
    await cam.waitFor({ timeout: 60_000 })
    const file = join(work, 'dots.png')
    writeFileSync(
      file,
      pngOf(50, (r, c) => ((r % 10) * (c % 10) > 20 ? [230, 200, 40] : [20, 40, 160])),
    )
    await cam.getByTestId('grad-cam-file-input').setInputFiles(file)
    const caption = cam.getByTestId('grad-cam-caption')
    await caption.waitFor({ timeout: 120_000 })
    const e = await wb.server.core.call('inference.explain', { id: small.id, image: { path: file } })
    expect(await caption.textContent()).toContain(`Predicted ${e.predicted.className}`)
    expect(await cam.locator('figcaption').textContent()).toBe('dots.png')
    await shot(cam, 'run-detail-grad-cam-dropped-image')
    expect(wb.errors).toEqual([])
  })
})

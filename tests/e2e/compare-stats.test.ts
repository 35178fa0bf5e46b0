import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import type { RunDetail } from '@shared/domain/run'
import { createCanvas } from '@napi-rs/canvas'
import type { Ctx2D } from '@shared/charts/ctx2d'
import { heatmapLayout } from '@shared/charts/heatmap'
import { LIGHT } from '@shared/charts/palette'
import { describeStats, type CellImages, type CompareStats, type Flips } from '@shared/stats'
import { createCore } from '../../src-main/core/compose'
import { CLASS_NAMES } from '../unit/data/fixtures'
import { extraBrowser, missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'

/**
 * A CIFAR-10 binary folder whose classes can be learnt a little: class c has horizontal stripes of
 * period c + 2 in channel c mod 3 under heavy seeded noise, so tiny CNNs land well above chance and
 * apart from each other.
 */
function learnableCifar(root: string, perBatch: number): string {
  const dir = join(root, 'cifar-10-batches-bin')
  mkdirSync(dir, { recursive: true })
  let state = 1
  const noise = () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 16) % 200
  const batch = (offset: number) => {
    const out = Buffer.alloc(perBatch * 3073)
    for (let i = 0; i < perBatch; i++) {
      const c = (i + offset) % 10
      out[i * 3073] = c
      for (let ch = 0; ch < 3; ch++)
        for (let p = 0; p < 1024; p++) {
          const stripe = ch === c % 3 && Math.floor(p / 32 / ((c + 2) / 2)) % 2 === 0 ? 55 : 0
          out[i * 3073 + 1 + ch * 1024 + p] = Math.min(255, noise() + stripe)
        }
    }
    return out
  }
  for (let b = 1; b <= 5; b++) writeFileSync(join(dir, `data_batch_${b}.bin`), batch(b))
  writeFileSync(join(dir, 'test_batch.bin'), batch(0))
  writeFileSync(join(dir, 'batches.meta.txt'), `${CLASS_NAMES.join('\n')}\n`)
  return dir
}

const missing = missingPrerequisite()
if (missing) console.warn(`skipping the compare statistics e2e test: ${missing}`)

/**
 * Compare's statistics panel on four real runs (two tiny CNN configs × two seeds, trained on a
 * generated dataset): the sentence the page shows is the one the core's numbers give, in English
 * and in Spanish, with the paired and per-group tables beside it.
 */
describe.skipIf(missing !== null)('the statistics in Compare (browser mode)', () => {
  let work: string
  let dataDir: string
  let wb: Workbench
  let ids: string[]
  let stats: CompareStats
  let flips: Flips
  let flipsOfClass: Flips
  let cells: CellImages[]
  let cellAt: { t: number; p: number }
  let matrices: number[][][]

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'cw-e2e-stats-'))
    dataDir = join(work, 'data')
    mkdirSync(dataDir, { recursive: true })
    const core = await createCore({ dataDir, shell: 'cli' })
    try {
      const dataset = await core.call('datasets.import', { path: learnableCifar(work, 100), name: 'generated' })
      const config = (name: string, filters: number[]) =>
        ExperimentConfig.parse({
          name,
          data: { datasetId: dataset.id, validationSplit: 0.2 },
          model: { kind: 'scratch', filters, denseUnits: 16 },
          training: { epochs: 3, batchSize: 25, seed: 1 },
        })
      const small = await core.call('training.start', { config: config('small cnn', [2, 2]), seeds: [1, 2] })
      const wide = await core.call('training.start', { config: config('wide cnn', [16, 16]), seeds: [1, 2] })
      const wait = async (id: string): Promise<RunDetail> => {
        for (;;) {
          const run = await core.call('runs.get', { id })
          if (run.status !== 'queued' && run.status !== 'running') return run
          await new Promise((r) => setTimeout(r, 100))
        }
      }
      ids = [small.runIds[0]!, wide.runIds[0]!, small.runIds[1]!, wide.runIds[1]!]
      const finished = await Promise.all(ids.map(wait))
      for (const run of finished) expect(run.status, run.failureMessage ?? '').toBe('completed')
      // The cell both of the first two runs fill most, so the cell view has images for each.
      matrices = finished.slice(0, 2).map((r) => r.evaluation!.confusionMatrix)
      cellAt = { t: 0, p: 0 }
      const fill = (t: number, p: number) => Math.min(matrices[0]![t]![p]!, matrices[1]![t]![p]!)
      for (let t = 0; t < 10; t++) for (let p = 0; p < 10; p++) if (fill(t, p) > fill(cellAt.t, cellAt.p)) cellAt = { t, p }
      stats = await core.call('compare.stats', { ids })
      flips = await core.call('compare.flips', { a: ids[0]!, b: ids[1]!, limit: 200 })
      flipsOfClass = await core.call('compare.flips', { a: ids[0]!, b: ids[1]!, trueClass: 3, limit: 200 })
      cells = await Promise.all(
        ids
          .slice(0, 2)
          .map((id) => core.call('compare.cellImages', { id, trueClass: cellAt.t, predicted: cellAt.p, limit: 200 })),
      )
    } finally {
      await core.close()
    }
    wb = await startWorkbench({ dataDir })
  }, 300_000)
  afterAll(async () => {
    await wb?.close()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('states the comparison in one sentence with its numbers, in English', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/compare?ids=${ids.join(',')}`)
    const sentence = page.getByTestId('stats-sentence')
    await sentence.waitFor({ timeout: 60_000 })
    expect(await sentence.textContent()).toBe(describeStats(stats, 'en'))
    expect(stats.pair?.paired).toBe(true)
    expect(stats.groups.map((g) => g.n)).toEqual([2, 2])
    // Only the first two runs are read image by image; the seeds feed the groups.
    expect(stats.runs.map((r) => r.predictions)).toEqual(['stored', 'stored', 'unread', 'unread'])
    const paired = page.getByTestId('stats-paired')
    await expect.poll(() => paired.textContent()).toContain('Exact McNemar p')
    const groups = page.getByTestId('stats-groups')
    expect(await groups.locator('tbody tr').count()).toBe(2)
    expect(await groups.textContent()).toContain('Welch')
    await page.getByTestId('compare-stats').scrollIntoViewIfNeeded()
    await screenshot(page, 'compare-stats', { height: 1100 })
    expect(wb.errors).toEqual([])
  })

  it('and in Spanish', async () => {
    const es = await extraBrowser('es-ES')
    try {
      await es.page.goto(`${wb.server.url}#/compare?ids=${ids.join(',')}`)
      const sentence = es.page.getByTestId('stats-sentence')
      await sentence.waitFor({ timeout: 60_000 })
      expect(await sentence.textContent()).toBe(describeStats(stats, 'es'))
      expect(await es.page.getByTestId('compare-stats').textContent()).toContain('¿Es real la diferencia?')
      await screenshot(es.page, 'compare-stats-es', { height: 1100 })
    } finally {
      await es.close()
    }
  })

  it('shows the images one run gets right and the other wrong, by class, and a difference-matrix cell’s images', async () => {
    const { page } = wb
    await page.goto(`${wb.server.url}#/compare?ids=${ids.join(',')}`)
    const gallery = page.getByTestId('flipped-images')
    const onlyA = gallery.getByTestId('flips-onlyA')
    const onlyB = gallery.getByTestId('flips-onlyB')
    await onlyA.waitFor({ timeout: 60_000 })
    // The two directions partition the McNemar discordant pairs.
    expect(stats.pair?.paired && [stats.pair.discordance.onlyA, stats.pair.discordance.onlyB]).toEqual([
      flips.onlyA.total,
      flips.onlyB.total,
    ])
    expect(flips.onlyA.total + flips.onlyB.total).toBeGreaterThan(0)
    const shownIndices = async (section: typeof onlyA) =>
      section.locator('li').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))))
    await expect.poll(() => shownIndices(onlyA)).toEqual(flips.onlyA.images.slice(0, 24).map((f) => f.index))
    expect(await shownIndices(onlyB)).toEqual(flips.onlyB.images.slice(0, 24).map((f) => f.index))
    expect(await onlyA.locator('h3').textContent()).toContain(`(${flips.onlyA.total})`)
    expect(await onlyA.locator('img').first().getAttribute('src')).toMatch(/^data:image\//)
    await gallery.scrollIntoViewIfNeeded()
    await screenshot(page, 'compare-flips', { height: 1100 })

    await gallery.getByTestId('flips-class').selectOption({ label: flips.classNames[3]! })
    await expect.poll(() => shownIndices(onlyA)).toEqual(flipsOfClass.onlyA.images.slice(0, 24).map((f) => f.index))
    expect(await shownIndices(onlyB)).toEqual(flipsOfClass.onlyB.images.slice(0, 24).map((f) => f.index))
    expect(flipsOfClass.onlyA.images.every((f) => f.trueClass === 3)).toBe(true)

    // The difference matrix is drawn for two runs: click the chosen cell where the shared layout puts
    // it.
    await page.goto(`${wb.server.url}#/compare?ids=${ids.slice(0, 2).join(',')}`)
    await page.getByTestId('cell-images').waitFor({ timeout: 60_000 })
    // The difference matrix by its label: the overfitting charts below it are canvases too.
    const canvas = page.locator('canvas[role="img"][aria-label^="Confusion matrix difference"]')
    await canvas.scrollIntoViewIfNeeded()
    const box = (await canvas.boundingBox())!
    const spec = {
      title: '',
      matrix: [],
      classNames: flips.classNames,
      normalised: false,
      diverging: true,
      xLabel: '',
      yLabel: '',
    }
    const ctx = createCanvas(10, 10).getContext('2d') as unknown as Ctx2D
    const layout = heatmapLayout(ctx, box.width, box.height, spec, LIGHT)
    await canvas.click({
      position: { x: layout.left + (cellAt.p + 0.5) * layout.size, y: layout.top + (cellAt.t + 0.5) * layout.size },
    })
    const cellView = page.getByTestId('cell-images')
    await cellView.locator('h3').waitFor({ timeout: 30_000 })
    expect(await cellView.locator('h3').textContent()).toContain(flips.classNames[cellAt.t]!)
    for (const [k, c] of cells.entries()) {
      // The cell holds as many images as the run's confusion matrix counts there.
      expect(c.cell.total).toBe(matrices[k]![cellAt.t]![cellAt.p])
      expect(c.cell.total).toBeGreaterThan(0)
      const section = cellView.locator(`section[data-run="${c.id}"]`)
      await expect.poll(() => section.locator('h4').textContent()).toContain(`${c.cell.total}`)
      expect(await section.locator('li').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-index'))))).toEqual(
        c.cell.images.slice(0, 24).map((x) => x.index),
      )
      const conf = c.cell.images.map((x) => x.confidence)
      expect(conf).toEqual([...conf].sort((x, y) => y - x))
    }
    await cellView.scrollIntoViewIfNeeded()
    await screenshot(page, 'compare-cell-images', { height: 1100 })

    // Run detail: the run's own confusion matrix opens the same cell.
    await page.goto(`${wb.server.url}#/runs/${ids[0]}`)
    const matrix = page.locator('canvas[aria-label="Confusion matrix"]')
    await matrix.waitFor({ timeout: 30_000 })
    await matrix.scrollIntoViewIfNeeded()
    const mbox = (await matrix.boundingBox())!
    const mlayout = heatmapLayout(ctx, mbox.width, mbox.height, { ...spec, diverging: false }, LIGHT)
    await matrix.click({
      position: { x: mlayout.left + (cellAt.p + 0.5) * mlayout.size, y: mlayout.top + (cellAt.t + 0.5) * mlayout.size },
    })
    const own = page.getByTestId('cell-images').locator(`section[data-run="${ids[0]}"]`)
    await expect.poll(() => own.locator('li').count()).toBe(Math.min(24, cells[0]!.cell.total))
    await page.getByTestId('cell-images').scrollIntoViewIfNeeded()
    await screenshot(page, 'run-detail-cell-images', { height: 1100 })
    expect(wb.errors).toEqual([])
  })
})

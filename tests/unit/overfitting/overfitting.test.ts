import { describe, expect, it } from 'vitest'
import { PNG } from 'pngjs'
import { ENGLISH_GAP_LABELS, gapCurveConfig } from '@shared/charts/gap'
import { LIGHT, seriesColor } from '@shared/charts/palette'
import { gapPoints, overfittingSummary } from '@shared/domain/overfitting'
import type { EpochMetric } from '@shared/domain/run'
import { panelToPng } from '../../../src-main/chart-render'

/** Epochs from (train accuracy, validation accuracy, train loss, validation loss) rows. */
function epochs(rows: Array<[number, number | null, number, number | null]>, finetuneFrom = Infinity): EpochMetric[] {
  return rows.map(([accuracy, valAccuracy, loss, valLoss], i) => ({
    phase: i + 1 >= finetuneFrom ? 'finetune' : 'train',
    epoch: i + 1,
    loss,
    accuracy,
    valLoss,
    valAccuracy,
    learningRate: 1e-3,
    durationMs: 10,
    imagesPerSecond: 100,
  }))
}

// Validation accuracy peaks at epoch 3 while training accuracy keeps climbing: a classic overfit.
const OVERFIT = epochs([
  [0.5, 0.48, 1.4, 1.45],
  [0.65, 0.6, 1.0, 1.1],
  [0.78, 0.66, 0.7, 1.0],
  [0.88, 0.65, 0.4, 1.1],
  [0.95, 0.63, 0.2, 1.3],
])

describe('the overfitting summary of a run', () => {
  it('gives the gap per epoch, train minus validation accuracy and validation minus train loss', () => {
    const points = gapPoints(OVERFIT)
    expect(points.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5])
    expect(points[2]!.accuracyGap).toBeCloseTo(0.78 - 0.66, 12)
    expect(points[4]!.lossGap).toBeCloseTo(1.3 - 0.2, 12)
    expect(points.every((p) => p.accuracyGap! > 0 && p.lossGap! > 0)).toBe(true)
  })

  it('finds the best validation epoch and counts the epochs trained past it', () => {
    const s = overfittingSummary(OVERFIT)!
    expect(s.bestEpoch).toBe(3)
    expect(s.bestValAccuracy).toBe(0.66)
    expect(s.lowestValLossEpoch).toBe(3)
    expect(s.epochsTrained).toBe(5)
    expect(s.epochsPastBest).toBe(2)
    expect(s.gapAtBest.epoch).toBe(3)
    expect(s.gapAtEnd.accuracyGap).toBeCloseTo(0.95 - 0.63, 12)
  })

  it('takes the earliest of equal best epochs, so a plateau counts as trained past', () => {
    const s = overfittingSummary(
      epochs([
        [0.5, 0.5, 1, 1],
        [0.6, 0.7, 0.9, 0.8],
        [0.7, 0.7, 0.8, 0.7],
      ]),
    )!
    expect(s.bestEpoch).toBe(2)
    expect(s.epochsPastBest).toBe(1)
    expect(s.lowestValLossEpoch).toBe(3)
  })

  it('a run whose best epoch is its last trained none past it; epochs arrive in any order', () => {
    const rising = epochs([
      [0.4, 0.4, 1.5, 1.5],
      [0.5, 0.5, 1.3, 1.3],
      [0.6, 0.58, 1.1, 1.15],
    ]).reverse()
    const s = overfittingSummary(rising)!
    expect(s.bestEpoch).toBe(3)
    expect(s.epochsPastBest).toBe(0)
    expect(s.points.map((p) => p.epoch)).toEqual([1, 2, 3])
  })

  it('is null without validation metrics, and the gap is null on such epochs', () => {
    const none = epochs([
      [0.5, null, 1, null],
      [0.6, null, 0.9, null],
    ])
    expect(overfittingSummary(none)).toBeNull()
    expect(gapPoints(none).every((p) => p.accuracyGap === null && p.lossGap === null)).toBe(true)
    expect(overfittingSummary([])).toBeNull()
  })
})

describe('the gap curve chart', () => {
  const summary = overfittingSummary(OVERFIT)!
  const run = (label: string, colorIndex: number, unfreezeEpoch: number | null = null) => ({
    label,
    colorIndex,
    points: summary.points,
    bestEpoch: summary.bestEpoch,
    unfreezeEpoch,
  })

  it('draws one line per run in points, and its best epoch as a star on the line', () => {
    const config = gapCurveConfig({
      runs: [run('A', 0), run('B', 1)],
      metric: 'accuracy',
      theme: LIGHT,
      labels: ENGLISH_GAP_LABELS,
    })
    const sets = config.data.datasets as unknown as Array<{
      label: string
      data: { x: number; y: number }[]
      borderColor: string
      pointStyle?: string
    }>
    expect(sets.map((s) => s.label)).toEqual(['A', 'A · best epoch', 'B', 'B · best epoch'])
    expect(sets[0]!.data.map((d) => d.x)).toEqual([1, 2, 3, 4, 5])
    expect(sets[0]!.data[2]!.y).toBeCloseTo((0.78 - 0.66) * 100, 9)
    expect(sets[1]!.data).toEqual([sets[0]!.data[2]])
    expect(sets[1]!.pointStyle).toBe('star')
    expect(sets[2]!.borderColor).toBe(seriesColor(1))
    // The legend lists the runs only; the stars are explained in the caption.
    const legend = (config.options as { plugins: { legend: { labels: { filter: (i: object, d: object) => boolean } } } }).plugins
      .legend.labels
    expect(sets.map((_, datasetIndex) => legend.filter({ datasetIndex }, config.data))).toEqual([true, false, true, false])
    const lines = (config.options as { plugins: { workbenchEpochLines: { lines: unknown[] } } }).plugins.workbenchEpochLines
    // With several runs the best epochs are the stars; vertical lines are kept for a single run.
    expect(lines.lines).toEqual([])
  })

  it('for one transfer run marks the best epoch and where the base was unfrozen', () => {
    const config = gapCurveConfig({ runs: [run('T', 0, 4)], metric: 'loss', theme: LIGHT, labels: ENGLISH_GAP_LABELS })
    const sets = config.data.datasets as unknown as Array<{ data: { x: number; y: number }[] }>
    expect(sets[0]!.data[4]!.y).toBeCloseTo(1.3 - 0.2, 12)
    const opts = config.options as { plugins: { workbenchEpochLines: { lines: Array<{ epoch: number; text: string }> } } }
    expect(opts.plugins.workbenchEpochLines.lines).toEqual([
      { epoch: 3, text: 'best: epoch 3' },
      { epoch: 3.5, text: 'base unfrozen' },
    ])
    const scales = config.options!.scales as { y: { title: { text: string } } }
    expect(scales.y.title.text).toBe('Validation − train loss')
  })

  it('renders to a PNG with the run colour in it', () => {
    const config = gapCurveConfig({ runs: [run('A', 0, 4)], metric: 'accuracy', theme: LIGHT, labels: ENGLISH_GAP_LABELS })
    const png = PNG.sync.read(panelToPng({ kind: 'chart', config }, 400, 250, 1))
    const [r, g, b] = [0x00, 0x72, 0xb2]
    let hits = 0
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] === r && png.data[i + 1] === g && png.data[i + 2] === b) hits++
    expect(hits).toBeGreaterThan(50)
  })
})

import { describe, expect, it } from 'vitest'
import { PNG } from 'pngjs'
import { epochMetricsCsv } from '@shared/charts/csv'
import { compareFigurePanels, compareCurveRuns } from '@shared/charts/figure'
import { metricRows, confusionDifference, runLabels } from '@shared/charts/compare'
import { runCurveConfig } from '@shared/charts/curves'
import { ENGLISH_LABELS } from '@shared/charts/labels'
import { LIGHT, OKABE_ITO, seriesColor } from '@shared/charts/palette'
import { seriesFromDetail, smooth } from '@shared/charts/series'
import { downsample } from '@shared/charts/base'
import { panelToPng, panelToSvgString, renderCompare } from '../../../src-main/chart-render'
import { fakeRun } from './fixtures'

function distinctColours(png: PNG): number {
  const seen = new Set<number>()
  for (let i = 0; i < png.data.length; i += 4) seen.add(png.data.readUInt32BE(i))
  return seen.size
}

describe('series and smoothing', () => {
  it('smooths with a debiased EMA and leaves raw values alone at weight 0', () => {
    const raw = [1, 1, 1, 5, 1, 1]
    expect(smooth(raw, 0)).toEqual(raw)
    const s = smooth(raw, 0.6)
    expect(s[0]).toBeCloseTo(1) // debiased: the first point is not pulled towards 0
    expect(s[3]!).toBeGreaterThan(1)
    expect(s[3]!).toBeLessThan(5)
  })

  it('places epoch points at the last batch of their epoch and marks LR changes', () => {
    const run = fakeRun({ id: 'r', name: 'r', epochs: 4, batchesPerEpoch: 10 })
    const series = seriesFromDetail(run)
    expect(series.epochs.map((e) => e.step)).toEqual([10, 20, 30, 40])
    expect(series.markers).toHaveLength(1)
    expect(series.markers[0]).toMatchObject({ kind: 'lr', step: 20, learningRate: 5e-4 })
  })

  it('downsamples long series but keeps extremes and the last point', () => {
    const pts = Array.from({ length: 10_000 }, (_, i) => ({ x: i, y: i === 4321 ? 99 : Math.sin(i) }))
    const out = downsample(pts, 1500)
    expect(out.length).toBeLessThanOrEqual(1501)
    expect(out.some((p) => p.y === 99)).toBe(true)
    expect(out.at(-1)).toEqual(pts.at(-1))
  })
})

describe('chart definitions', () => {
  it('run curves show raw, smoothed, train-epoch and validation series, accuracy in %', () => {
    const run = fakeRun({ id: 'r', name: 'r', epochs: 3, batchesPerEpoch: 5 })
    const config = runCurveConfig({
      series: seriesFromDetail(run),
      metric: 'accuracy',
      smoothing: 0.5,
      theme: LIGHT,
      labels: ENGLISH_LABELS,
    })
    const sets = config.data.datasets as unknown as { label: string; data: { x: number; y: number }[] }[]
    expect(sets.map((d) => d.label)).toEqual(['train (batch)', 'train (smoothed)', 'train (epoch)', 'validation (epoch)'])
    expect(sets[0]!.data).toHaveLength(15)
    expect(sets[3]!.data.map((p) => p.y)).toEqual(run.epochs.map((e) => e.valAccuracy! * 100))
  })

  it('metrics table highlights the best run per metric (smallest params, smallest |gap|)', () => {
    const a = fakeRun({ id: 'a', name: 'a', epochs: 3, base: 0.3 })
    const b = fakeRun({ id: 'b', name: 'b', epochs: 3, base: 0.6, kind: 'transfer' })
    const rows = Object.fromEntries(metricRows([a, b]).map((r) => [r.key, r]))
    expect(rows.testAccuracy!.best).toBe(1)
    expect(rows.totalParams!.best).toBe(0)
    expect(metricRows([a]).every((r) => r.best === null)).toBe(true)
  })

  it('labels repeated names with seed and id, and groups seeds into bands', () => {
    const runs = [
      fakeRun({ id: 'aaaaaa1', name: 'x', seed: 1, epochs: 2 }),
      fakeRun({ id: 'bbbbbb2', name: 'x', seed: 2, epochs: 2 }),
    ]
    expect(runLabels(runs)).toEqual(['x (seed 1, aaaaaa)', 'x (seed 2, bbbbbb)'])
    const group = {
      configHash: 'h',
      name: 'x',
      runIds: ['aaaaaa1', 'bbbbbb2'],
      count: 2,
      stats: {},
      epochBands: [{ epoch: 1, valAccuracyMean: 0.5, valAccuracyStd: 0.1, valLossMean: 1, valLossStd: 0.2 }],
    }
    const curves = compareCurveRuns(runs, [group], 'valAccuracy')
    expect(curves).toHaveLength(1)
    expect(curves[0]!.band).toEqual([{ epoch: 1, mean: 0.5, std: 0.1 }])
  })

  it('confusion difference is element-wise and rejects mismatched sizes', () => {
    expect(
      confusionDifference(
        [
          [3, 1],
          [0, 2],
        ],
        [
          [1, 1],
          [1, 1],
        ],
      ),
    ).toEqual([
      [2, 0],
      [-1, 1],
    ])
    expect(() =>
      confusionDifference(
        [[1]],
        [
          [1, 2],
          [3, 4],
        ],
      ),
    ).toThrow(/differ in size/)
  })

  it('colours are the Okabe–Ito palette, stable by index', () => {
    expect(seriesColor(0)).toBe(OKABE_ITO[0])
    expect(seriesColor(9)).toBe(OKABE_ITO[1])
  })
})

describe('Node rendering', () => {
  const runs = [
    fakeRun({ id: 'a1', name: 'scratch', epochs: 3 }),
    fakeRun({ id: 'b2', name: 'transfer', epochs: 3, base: 0.6, kind: 'transfer' }),
  ]

  it('renders a chart panel to a 2x PNG with real content', () => {
    const [panel] = compareFigurePanels({ runs, labels: ENGLISH_LABELS, theme: LIGHT })
    const png = PNG.sync.read(panelToPng(panel!, 400, 250))
    expect([png.width, png.height]).toEqual([800, 500])
    expect(distinctColours(png)).toBeGreaterThan(50)
  })

  it('renders the same panel as SVG with the axis titles and one path per series', () => {
    const [panel] = compareFigurePanels({ runs, labels: ENGLISH_LABELS, theme: LIGHT })
    const svg = panelToSvgString(panel!, 400, 250)
    expect(svg).toMatch(/^<\?xml[^>]*>\s*<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="400" height="250"/)
    expect(svg).toContain('>Epoch</text>')
    expect(svg).toContain('>Accuracy (%)</text>')
    expect(svg).toContain(`stroke="${OKABE_ITO[0]}"`)
    expect(svg).toContain(`stroke="${OKABE_ITO[1]}"`)
    expect(svg.endsWith('</svg>\n')).toBe(true)
  })

  it('composes the Compare figure, CSV and HTML report for two runs', () => {
    const out = renderCompare(runs, { now: new Date('2025-01-02T00:00:00Z') })
    const png = PNG.sync.read(out.png())
    // 6 panels (curves ×2, per-class, scatter ×2, confusion difference) in 2 columns at 2x.
    expect([png.width, png.height]).toEqual([2 * (2 * 640 + 3 * 16), 2 * (40 + 3 * 400 + 4 * 16)])
    expect(distinctColours(png)).toBeGreaterThan(200)
    const csv = out.csv().trim().split('\n')
    expect(csv).toHaveLength(1 + 3 + 3)
    expect(csv[0]).toBe(
      'run_id,run_name,seed,phase,epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,duration_ms,images_per_second',
    )
    const html = out.html()
    expect(html).toContain('<td class="best">')
    expect((html.match(/<svg /g) ?? []).length).toBeGreaterThanOrEqual(6)
    expect(html).toContain('Confusion matrix difference (scratch − transfer)')
  })

  it('quotes CSV fields with commas and quotes', () => {
    const csv = epochMetricsCsv([{ ...fakeRun({ id: 'q', name: 'a, "b"', epochs: 1 }) }])
    expect(csv.split('\n')[1]).toMatch(/^q,"a, ""b""",/)
  })
})

import type { Plugin } from 'chart.js'
import type { GapPoint } from '../domain/overfitting'
import { axis, backgroundPlugin, commonOptions, type AnyChartConfig } from './base'
import { seriesColor, seriesDash, type ChartTheme } from './palette'

/** Pixels markers may draw past the plot area, so the first and last epoch points show whole. */
const EDGE_CLIP = 8

export type GapMetric = 'accuracy' | 'loss'

/** The words the gap chart draws; the renderer passes translations, the CLI and tests English. */
export interface GapChartLabels {
  epoch: string
  /** y axis: "Train − validation accuracy (points)". */
  accuracyGap: string
  /** y axis: "Validation − train loss". */
  lossGap: string
  /** Legend entry of a run's best-epoch point, e.g. "run A · best epoch". */
  best: (run: string) => string
  /** Text of the vertical line at the epoch the base was unfrozen. */
  unfrozen: string
  /** Text of the vertical line at the best epoch (one run only). */
  bestLine: (epoch: number) => string
}

export const ENGLISH_GAP_LABELS: GapChartLabels = {
  epoch: 'Epoch',
  accuracyGap: 'Train − validation accuracy (points)',
  lossGap: 'Validation − train loss',
  best: (run) => `${run} · best epoch`,
  unfrozen: 'base unfrozen',
  bestLine: (epoch) => `best: epoch ${epoch}`,
}

export interface GapRun {
  label: string
  colorIndex: number
  points: readonly GapPoint[]
  bestEpoch: number | null
  /** First fine-tuning epoch of a transfer run; drawn as a line when the chart shows one run. */
  unfreezeEpoch: number | null
}

interface EpochLine {
  epoch: number
  text: string
}

/**
 * Vertical dashed lines at given epochs with a short label (the best epoch, where the base was
 * unfrozen), and a solid zero line: above it the model does better on its own training images.
 */
export const epochLinesPlugin: Plugin = {
  id: 'workbenchEpochLines',
  afterDatasetsDraw(chart, _args, options: { lines?: EpochLine[]; color?: string; font?: string }) {
    const { x, y } = chart.scales
    if (!x || !y) return
    const { ctx, chartArea } = chart
    ctx.save()
    ctx.strokeStyle = options.color ?? '#777'
    ctx.fillStyle = options.color ?? '#777'
    ctx.lineWidth = 1
    const zero = y.getPixelForValue(0)
    if (zero >= chartArea.top && zero <= chartArea.bottom) {
      ctx.beginPath()
      ctx.moveTo(chartArea.left, zero)
      ctx.lineTo(chartArea.right, zero)
      ctx.stroke()
    }
    ctx.setLineDash([4, 4])
    ctx.font = options.font ?? '11px sans-serif'
    ctx.textAlign = 'left'
    ctx.textBaseline = 'top'
    for (const [i, line] of (options.lines ?? []).entries()) {
      const px = x.getPixelForValue(line.epoch)
      if (px < chartArea.left - 1 || px > chartArea.right + 1) continue
      ctx.beginPath()
      ctx.moveTo(px, chartArea.top)
      ctx.lineTo(px, chartArea.bottom)
      ctx.stroke()
      ctx.fillText(line.text, px + 3, chartArea.top + 2 + i * 14)
    }
    ctx.restore()
  },
}

/**
 * The generalisation gap per epoch, one line per run (Run detail: one; Compare: each selected run),
 * its best-validation epoch drawn as a large star. Accuracy in points (train − validation), loss as
 * validation − train, so for both a line above zero means the run fits its training images better.
 */
export function gapCurveConfig(input: {
  runs: readonly GapRun[]
  metric: GapMetric
  theme: ChartTheme
  labels: GapChartLabels
  title?: string | null
}): AnyChartConfig {
  const { theme, labels, metric } = input
  const value = (p: GapPoint) => (metric === 'accuracy' ? (p.accuracyGap === null ? null : p.accuracyGap * 100) : p.lossGap)
  const datasets: Record<string, unknown>[] = []
  for (const run of input.runs) {
    const color = seriesColor(run.colorIndex)
    const data = run.points.flatMap((p) => {
      const y = value(p)
      return y === null ? [] : [{ x: p.epoch, y }]
    })
    datasets.push({
      label: run.label,
      data,
      borderColor: color,
      backgroundColor: color,
      borderDash: seriesDash(run.colorIndex),
      borderWidth: 2,
      pointRadius: 3,
      order: 1,
      clip: EDGE_CLIP,
    })
    const best = data.find((d) => d.x === run.bestEpoch)
    if (best)
      datasets.push({
        label: labels.best(run.label),
        data: [best],
        borderColor: color,
        backgroundColor: color,
        showLine: false,
        pointStyle: 'star',
        pointRadius: 9,
        pointBorderWidth: 2,
        order: 0,
        clip: EDGE_CLIP,
        workbenchBest: true,
      })
  }
  const lines: EpochLine[] = []
  const only = input.runs.length === 1 ? input.runs[0] : undefined
  if (only?.bestEpoch != null) lines.push({ epoch: only.bestEpoch, text: labels.bestLine(only.bestEpoch) })
  if (only?.unfreezeEpoch != null) lines.push({ epoch: only.unfreezeEpoch - 0.5, text: labels.unfrozen })
  const options = commonOptions(theme, input.title ?? null) as {
    plugins: Record<string, unknown> & { legend: Record<string, unknown> }
  }
  // The stars keep out of the legend: one entry per run, its colour; the caption says what a star is.
  options.plugins.legend = {
    ...options.plugins.legend,
    labels: {
      ...(options.plugins.legend.labels as object),
      filter: (item: { datasetIndex?: number }, data: { datasets: Array<{ workbenchBest?: boolean }> }) =>
        !data.datasets[item.datasetIndex ?? -1]?.workbenchBest,
    },
  }
  options.plugins.workbenchEpochLines = { lines, color: theme.muted, font: `11px ${theme.fontFamily}` }
  const maxEpoch = Math.max(1, ...input.runs.flatMap((r) => r.points.map((p) => p.epoch)))
  return {
    type: 'line',
    data: { datasets: datasets as never },
    options: {
      ...options,
      scales: {
        x: axis(theme, labels.epoch, {
          type: 'linear',
          min: 1,
          max: maxEpoch,
          ticks: { color: theme.muted, precision: 0, stepSize: 1 },
        }),
        y: axis(theme, metric === 'accuracy' ? labels.accuracyGap : labels.lossGap),
      },
    },
    plugins: [backgroundPlugin, epochLinesPlugin],
  }
}

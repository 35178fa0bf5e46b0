import type { Plugin } from 'chart.js'
import type { EpochMetric } from '../domain/run'
import { axis, backgroundPlugin, commonOptions, downsample, type AnyChartConfig } from './base'
import { formatLr, type ChartLabels } from './labels'
import { seriesColor, seriesDash, withAlpha, type ChartTheme } from './palette'
import { smooth, type CurveMarker, type CurveSeries } from './series'

/** Pixels markers may draw past the plot area, so the first and last epoch points show whole. */
const EDGE_CLIP = 6

export type CurveMetric = 'loss' | 'accuracy'

const MAX_RAW_POINTS = 1500

interface MarkerOptions {
  markers?: CurveMarker[]
  color?: string
  font?: string
  finetune?: string
  lrPrefix?: string
}

/**
 * Vertical dashed lines with a short label where the phase or learning rate changed. The markers
 * ride in the options (plugins.workbenchMarkers) so streaming updates can replace them.
 */
export const markerPlugin: Plugin = {
  id: 'workbenchMarkers',
  afterDatasetsDraw(chart, _args, options: MarkerOptions) {
    const x = chart.scales.x
    const copy = options.markers ?? []
    if (!x || copy.length === 0) return
    const { ctx, chartArea } = chart
    ctx.save()
    ctx.strokeStyle = options.color ?? '#777'
    ctx.fillStyle = options.color ?? '#777'
    ctx.lineWidth = 1
    ctx.setLineDash([4, 4])
    ctx.font = options.font ?? '11px sans-serif'
    ctx.textAlign = 'left'
    ctx.textBaseline = 'top'
    for (const m of copy) {
      const px = x.getPixelForValue(m.step)
      if (px < chartArea.left || px > chartArea.right) continue
      ctx.beginPath()
      ctx.moveTo(px, chartArea.top)
      ctx.lineTo(px, chartArea.bottom)
      ctx.stroke()
      const lr = `${options.lrPrefix ?? 'LR'} ${formatLr(m.learningRate)}`
      const text = m.kind === 'phase' && m.phase === 'finetune' ? `${options.finetune ?? 'fine-tune'} · ${lr}` : lr
      ctx.fillText(text, px + 3, chartArea.top + 2)
    }
    ctx.restore()
  },
}

export interface RunCurveInput {
  series: CurveSeries
  metric: CurveMetric
  /** 0 = raw; 0.6 is TensorBoard's default. */
  smoothing: number
  theme: ChartTheme
  labels: ChartLabels
  title?: string | null
  /** Total steps of the run when known: the x axis is sized once, so it does not rescale while streaming. */
  expectedSteps?: number | null
}

const scaleOf = (metric: CurveMetric) => (v: number) => (metric === 'accuracy' ? v * 100 : v)

/**
 * One run's curve (Live and Run detail): raw batch values faint, their smoothed line on top,
 * train and validation epoch points, markers for phase and learning-rate changes. x = global step.
 */
export function runCurveConfig(input: RunCurveInput): AnyChartConfig {
  const { series, metric, theme, labels } = input
  const f = scaleOf(metric)
  const raw = series.batches.map((b) => ({ x: b.step, y: f(b[metric]) }))
  const smoothed = smooth(
    raw.map((p) => p.y),
    input.smoothing,
  ).map((y, i) => ({ x: raw[i]!.x, y }))
  const trainKey = metric
  const valKey = metric === 'loss' ? 'valLoss' : 'valAccuracy'
  const trainEpoch = series.epochs.map((e) => ({ x: e.step, y: f(e[trainKey]) }))
  const valEpoch = series.epochs.filter((e) => e[valKey] !== null).map((e) => ({ x: e.step, y: f(e[valKey] as number) }))
  const train = seriesColor(0)
  const val = seriesColor(1)
  const options = commonOptions(theme, input.title ?? null) as { plugins: Record<string, unknown> }
  options.plugins.workbenchMarkers = {
    markers: series.markers.map((m) => ({ ...m })),
    color: theme.muted,
    font: `11px ${theme.fontFamily}`,
    finetune: labels.finetune,
    lrPrefix: labels.lr('').trim(),
  } satisfies MarkerOptions
  const yExtra = metric === 'accuracy' ? { min: 0, max: 100 } : { beginAtZero: true }
  return {
    type: 'line',
    data: {
      datasets: [
        {
          label: labels.trainBatch,
          data: downsample(raw, MAX_RAW_POINTS),
          borderColor: withAlpha(train, 0.25),
          backgroundColor: withAlpha(train, 0.25),
          borderWidth: 1,
          pointRadius: 0,
          tension: 0,
          order: 3,
        },
        {
          label: labels.trainSmoothed,
          data: downsample(smoothed, MAX_RAW_POINTS),
          borderColor: train,
          backgroundColor: train,
          borderWidth: 2,
          pointRadius: 0,
          tension: 0,
          order: 2,
        },
        {
          label: labels.trainEpoch,
          data: trainEpoch,
          borderColor: train,
          backgroundColor: train,
          borderWidth: 1.5,
          borderDash: [5, 3],
          pointRadius: 4,
          pointStyle: 'circle',
          order: 1,
          clip: EDGE_CLIP,
        },
        {
          label: labels.valEpoch,
          data: valEpoch,
          borderColor: val,
          backgroundColor: val,
          borderWidth: 2,
          pointRadius: 5,
          pointStyle: 'rectRot',
          order: 0,
          clip: EDGE_CLIP,
        },
      ],
    },
    options: {
      ...options,
      scales: {
        x: axis(theme, labels.step, {
          type: 'linear',
          min: 0,
          suggestedMax: Math.max(1, series.lastStep, input.expectedSteps ?? 0),
        }),
        y: axis(theme, metric === 'loss' ? labels.loss : labels.accuracy, yExtra),
      },
    },
    plugins: [backgroundPlugin, markerPlugin],
  }
}

/** A run (or a group's mean ± std) on the Compare curves. */
export interface CompareCurveRun {
  label: string
  colorIndex: number
  epochs: readonly Pick<EpochMetric, 'epoch' | 'valAccuracy' | 'valLoss'>[]
  /** Seed groups: per-epoch std drawn as a band around the mean line. */
  band?: readonly { epoch: number; mean: number | null; std: number | null }[]
}

export function compareCurveConfig(input: {
  runs: readonly CompareCurveRun[]
  metric: 'valAccuracy' | 'valLoss'
  theme: ChartTheme
  labels: ChartLabels
  title?: string | null
}): AnyChartConfig {
  const { theme, labels, metric } = input
  const f = metric === 'valAccuracy' ? (v: number) => v * 100 : (v: number) => v
  const datasets: Record<string, unknown>[] = []
  for (const run of input.runs) {
    const color = seriesColor(run.colorIndex)
    const dash = seriesDash(run.colorIndex)
    if (run.band && run.band.length > 0) {
      const pts = run.band.filter((b) => b.mean !== null)
      const lower = pts.map((b) => ({ x: b.epoch, y: f(b.mean! - (b.std ?? 0)) }))
      const upper = pts.map((b) => ({ x: b.epoch, y: f(b.mean! + (b.std ?? 0)) }))
      datasets.push({
        label: `${run.label} −σ`,
        data: lower,
        borderColor: 'rgba(0,0,0,0)',
        backgroundColor: 'rgba(0,0,0,0)',
        pointRadius: 0,
        fill: false,
        order: 5,
      })
      datasets.push({
        label: `${run.label} ±σ`,
        data: upper,
        borderColor: 'rgba(0,0,0,0)',
        backgroundColor: withAlpha(color, 0.2),
        pointRadius: 0,
        fill: '-1',
        order: 5,
      })
      datasets.push({
        label: run.label,
        data: pts.map((b) => ({ x: b.epoch, y: f(b.mean!) })),
        borderColor: color,
        backgroundColor: color,
        borderDash: dash,
        borderWidth: 2,
        pointRadius: 3,
        order: 1,
        clip: EDGE_CLIP,
      })
    } else {
      const data = run.epochs.filter((e) => e[metric] !== null).map((e) => ({ x: e.epoch, y: f(e[metric] as number) }))
      datasets.push({
        label: run.label,
        data,
        borderColor: color,
        backgroundColor: color,
        borderDash: dash,
        borderWidth: 2,
        pointRadius: 3,
        order: 1,
        clip: EDGE_CLIP,
      })
    }
  }
  const options = commonOptions(theme, input.title ?? null) as { plugins: { legend: Record<string, unknown> } }
  // Band edges are drawn but kept out of the legend.
  options.plugins.legend = {
    ...options.plugins.legend,
    labels: { ...(options.plugins.legend.labels as object), filter: (item: { text: string }) => !/ [−±]σ$/.test(item.text) },
  }
  return {
    type: 'line',
    data: { datasets: datasets as never },
    options: {
      ...options,
      scales: {
        x: axis(theme, labels.epoch, { type: 'linear', ticks: { color: theme.muted, precision: 0, stepSize: 1 } }),
        y: axis(
          theme,
          metric === 'valAccuracy' ? labels.accuracy : labels.loss,
          metric === 'valAccuracy' ? { suggestedMin: 0, suggestedMax: 100 } : { beginAtZero: true },
        ),
      },
    },
    plugins: [backgroundPlugin],
  }
}

import type { RunDetail } from '../domain/run'
import { axis, backgroundPlugin, commonOptions, type AnyChartConfig } from './base'
import type { ChartLabels } from './labels'
import { seriesColor, type ChartTheme } from './palette'

/** The runs a comparison shows, in order; the index decides the colour everywhere. */
export type CompareRun = Pick<
  RunDetail,
  | 'id'
  | 'name'
  | 'seed'
  | 'testAccuracy'
  | 'bestValAccuracy'
  | 'totalParams'
  | 'trainableParams'
  | 'wallTimeMs'
  | 'imagesPerSecond'
  | 'evaluation'
  | 'epochs'
  | 'modelKind'
  | 'config'
>

/** Short, unique label per run for legends (names repeat across seeds). */
export function runLabels(runs: readonly Pick<RunDetail, 'name' | 'seed' | 'id'>[]): string[] {
  const counts = new Map<string, number>()
  for (const r of runs) counts.set(r.name, (counts.get(r.name) ?? 0) + 1)
  return runs.map((r) => (counts.get(r.name)! > 1 ? `${r.name} (seed ${r.seed}, ${r.id.slice(0, 6)})` : r.name))
}

/** Per-class accuracy (= recall) bars, one colour per run. */
export function perClassConfig(input: {
  runs: readonly CompareRun[]
  labels: ChartLabels
  theme: ChartTheme
  names: readonly string[]
  title?: string | null
}): AnyChartConfig {
  const { theme, labels } = input
  const classNames = input.runs.find((r) => r.evaluation)?.evaluation?.classNames ?? []
  const options = commonOptions(theme, input.title ?? null)
  return {
    type: 'bar',
    data: {
      labels: [...classNames],
      datasets: input.runs.map((r, i) => ({
        label: input.names[i] ?? r.name,
        data: classNames.map((_, c) => (r.evaluation?.perClass[c] ? r.evaluation.perClass[c].recall * 100 : 0)),
        backgroundColor: seriesColor(i),
        borderColor: seriesColor(i),
        borderWidth: 0,
      })),
    },
    options: {
      ...options,
      parsing: true,
      scales: { x: axis(theme, ''), y: axis(theme, labels.classAccuracy, { min: 0, max: 100 }) },
    } as unknown as AnyChartConfig['options'],
    plugins: [backgroundPlugin],
  }
}

/**
 * Log-axis labels, compact ("200k", "1M"): at 1, 2 and 5 × 10ⁿ when the axis spans more than about a
 * decade and a half (chart.js otherwise labels every 1..9 step plus the axis ends, and the long numbers
 * collide), at every whole mantissa on a shorter axis so it still gets several labels.
 */
export function logTickLabel(value: number | string, _index?: number, ticks?: readonly { value: number }[]): string | null {
  const v = Number(value)
  if (!(v > 0)) return null
  const exp = Math.floor(Math.log10(v) + 1e-9)
  const mantissa = Math.round((v / 10 ** exp) * 1000) / 1000
  const first = ticks?.[0]?.value
  const last = ticks?.[ticks.length - 1]?.value
  const short = first !== undefined && last !== undefined && first > 0 && last / first < 30
  const nice = short ? Number.isInteger(mantissa) : mantissa === 1 || mantissa === 2 || mantissa === 5
  if (!nice) return null
  // Built from the rounded mantissa so float noise never shows ("2.0000000000000004M").
  const unit = exp >= 9 ? { e: 9, s: 'G' } : exp >= 6 ? { e: 6, s: 'M' } : exp >= 3 ? { e: 3, s: 'k' } : { e: 0, s: '' }
  return `${Math.round(mantissa * 10 ** (exp - unit.e) * 1000) / 1000}${unit.s}`
}

/** Accuracy against parameters (log x) or wall time: the cost of each point of accuracy. */
export function scatterConfig(input: {
  runs: readonly CompareRun[]
  x: 'params' | 'time'
  labels: ChartLabels
  theme: ChartTheme
  names: readonly string[]
  title?: string | null
}): AnyChartConfig {
  const { theme, labels } = input
  const options = commonOptions(theme, input.title ?? null)
  const xs: number[] = []
  const datasets = input.runs.map((r, i) => {
    const acc = r.testAccuracy ?? r.bestValAccuracy
    const x = input.x === 'params' ? r.totalParams : r.wallTimeMs === null ? null : r.wallTimeMs / 60000
    if (x !== null && acc !== null) xs.push(x)
    return {
      label: input.names[i] ?? r.name,
      data: acc === null || x === null ? [] : [{ x, y: acc * 100 }],
      backgroundColor: seriesColor(i),
      borderColor: seriesColor(i),
      pointRadius: 7,
      pointHoverRadius: 8,
    }
  })
  return {
    type: 'scatter',
    data: { datasets },
    options: {
      ...options,
      scales: {
        // Room around the points so none sits on the plot edge.
        x: axis(
          theme,
          input.x === 'params' ? labels.params : labels.wallTime,
          input.x === 'params'
            ? {
                type: 'logarithmic',
                ...(xs.length ? { min: Math.min(...xs) / 2, max: Math.max(...xs) * 2 } : {}),
                ticks: {
                  color: theme.muted,
                  font: { family: theme.fontFamily, size: 11 },
                  maxRotation: 0,
                  autoSkip: false,
                  callback: logTickLabel,
                },
              }
            : { type: 'linear', beginAtZero: true, ...(xs.length ? { suggestedMax: Math.max(...xs) * 1.15 } : {}) },
        ),
        y: axis(theme, labels.accuracy, { suggestedMin: 0, suggestedMax: 100 }),
      },
    },
    plugins: [backgroundPlugin],
  }
}

export type MetricKey =
  'testAccuracy' | 'bestValAccuracy' | 'gap' | 'totalParams' | 'trainableParams' | 'wallTime' | 'imagesPerSecond'

export interface MetricRow {
  key: MetricKey
  values: (number | null)[]
  /** Index of the best run for this metric, null when fewer than two values exist. */
  best: number | null
  format: 'pct' | 'int' | 'duration' | 'rate'
}

const METRICS: { key: MetricKey; pick: (r: CompareRun) => number | null; higher: boolean; format: MetricRow['format'] }[] = [
  { key: 'testAccuracy', pick: (r) => r.testAccuracy, higher: true, format: 'pct' },
  { key: 'bestValAccuracy', pick: (r) => r.bestValAccuracy, higher: true, format: 'pct' },
  { key: 'gap', pick: (r) => r.evaluation?.overfitting?.gap ?? null, higher: false, format: 'pct' },
  { key: 'totalParams', pick: (r) => r.totalParams, higher: false, format: 'int' },
  { key: 'trainableParams', pick: (r) => r.trainableParams, higher: false, format: 'int' },
  { key: 'wallTime', pick: (r) => r.wallTimeMs, higher: false, format: 'duration' },
  { key: 'imagesPerSecond', pick: (r) => r.imagesPerSecond, higher: true, format: 'rate' },
]

/** The Compare metrics table, with the best value per row (the overfitting gap: smallest |gap|). */
export function metricRows(runs: readonly CompareRun[]): MetricRow[] {
  return METRICS.map(({ key, pick, higher, format }) => {
    const values = runs.map(pick)
    let best: number | null = null
    const present = values.filter((v) => v !== null).length
    if (present >= 2) {
      values.forEach((v, i) => {
        if (v === null) return
        const score = key === 'gap' ? -Math.abs(v) : higher ? v : -v
        const current = best === null ? null : values[best]!
        const currentScore = current === null ? -Infinity : key === 'gap' ? -Math.abs(current) : higher ? current : -current
        if (score > currentScore) best = i
      })
    }
    return { key, values, best, format }
  })
}

export function formatMetric(value: number | null, format: MetricRow['format']): string {
  if (value === null || !Number.isFinite(value)) return '—'
  switch (format) {
    case 'pct':
      return `${(value * 100).toFixed(2)}%`
    case 'int':
      return Math.round(value).toLocaleString('en')
    case 'duration':
      return value < 60000 ? `${(value / 1000).toFixed(1)} s` : `${(value / 60000).toFixed(1)} min`
    case 'rate':
      return value.toFixed(0)
  }
}

/** a − b of two confusion matrices (same classes), for the difference heatmap. */
export function confusionDifference(a: readonly (readonly number[])[], b: readonly (readonly number[])[]): number[][] {
  if (a.length !== b.length) throw new Error(`confusion matrices differ in size (${a.length} vs ${b.length} classes)`)
  return a.map((row, i) => row.map((v, j) => v - (b[i]?.[j] ?? 0)))
}

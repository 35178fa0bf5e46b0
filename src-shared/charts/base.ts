import type { ChartConfiguration, Plugin } from 'chart.js'
import type { ChartTheme } from './palette'

export type AnyChartConfig = ChartConfiguration<'line' | 'bar' | 'scatter'>

/**
 * Paints the whole canvas first: exported PNG/SVG files are never transparent. The colour rides in
 * the chart options (plugins.workbenchBackground.color) so a live chart can change it on update.
 */
export const backgroundPlugin: Plugin = {
  id: 'workbenchBackground',
  beforeDraw(chart, _args, options: { color?: string }) {
    if (!options.color) return
    const { ctx, width, height } = chart
    ctx.save()
    ctx.fillStyle = options.color
    ctx.fillRect(0, 0, width, height)
    ctx.restore()
  },
}

export function axis(theme: ChartTheme, title: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    title: { display: true, text: title, color: theme.text, font: { family: theme.fontFamily, size: 12 } },
    ticks: { color: theme.muted, font: { family: theme.fontFamily, size: 11 } },
    grid: { color: theme.grid },
    border: { color: theme.grid },
    ...extra,
  }
}

export function commonOptions(theme: ChartTheme, title: string | null): Record<string, unknown> {
  return {
    responsive: false,
    maintainAspectRatio: false,
    animation: false,
    normalized: true,
    parsing: false,
    color: theme.text,
    font: { family: theme.fontFamily },
    layout: { padding: 8 },
    plugins: {
      title: {
        display: title !== null,
        text: title ?? '',
        color: theme.text,
        font: { family: theme.fontFamily, size: 14, weight: 'bold' },
      },
      legend: { labels: { color: theme.text, font: { family: theme.fontFamily, size: 11 }, boxWidth: 14, boxHeight: 8 } },
      tooltip: { enabled: true },
      decimation: { enabled: false },
      workbenchBackground: { color: theme.background },
    },
  }
}

/**
 * Keep a long series readable and cheap to draw: per bucket, the first, min and max points
 * survive (spikes stay visible), and the last point always does.
 */
export function downsample<T extends { x: number; y: number }>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return points.slice()
  const buckets = Math.max(1, Math.floor(max / 3))
  const size = points.length / buckets
  const out: T[] = []
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor(b * size)
    const end = Math.min(points.length, Math.floor((b + 1) * size))
    if (end <= start) continue
    let min = points[start]!
    let maxP = points[start]!
    for (let i = start; i < end; i++) {
      const p = points[i]!
      if (p.y < min.y) min = p
      if (p.y > maxP.y) maxP = p
    }
    const picked = [points[start]!, min, maxP].sort((a, c) => a.x - c.x)
    for (const p of picked) if (out.at(-1) !== p) out.push(p)
  }
  const last = points.at(-1)!
  if (out.at(-1) !== last) out.push(last)
  return out
}

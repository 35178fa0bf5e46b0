import type { Ctx2D } from './ctx2d'
import type { ChartTheme } from './palette'

export interface HeatmapSpec {
  title: string
  /** matrix[true][predicted] */
  matrix: readonly (readonly number[])[]
  classNames: readonly string[]
  /** Show row-normalised fractions (counts stay in the tooltip / HTML table). */
  normalised: boolean
  /** Difference of two matrices: a diverging blue (−) / vermillion (+) scale centred on 0. */
  diverging: boolean
  xLabel: string
  yLabel: string
}

const BLUE = [0, 114, 178] as const
const VERMILLION = [213, 94, 0] as const

function mix(from: readonly number[], to: readonly number[], t: number): [number, number, number] {
  return [0, 1, 2].map((i) => Math.round(from[i]! + (to[i]! - from[i]!) * t)) as [number, number, number]
}

/** Fill colour of one cell; t in [0, 1] (sequential) or [-1, 1] (diverging). */
export function cellColor(t: number, diverging: boolean, theme: ChartTheme): string {
  const base = theme.name === 'dark' ? [30, 33, 38] : [255, 255, 255]
  const c = diverging
    ? mix(base, t < 0 ? BLUE : VERMILLION, Math.min(1, Math.abs(t)))
    : mix(base, BLUE, Math.min(1, Math.max(0, t)))
  return `rgb(${c[0]},${c[1]},${c[2]})`
}

function textColorFor(fill: string, theme: ChartTheme): string {
  const [r, g, b] = fill.match(/\d+/g)!.map(Number) as [number, number, number]
  const lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
  return lum < 140 ? '#ffffff' : theme.name === 'dark' && lum < 200 ? '#ffffff' : '#1b1d21'
}

/**
 * Sets the largest title font (14 down to 10 px) at which `text` fits `maxWidth`, and returns the
 * text, cut with an ellipsis if it still does not fit (long run names in a difference title).
 */
export function fitTitle(ctx: Ctx2D, text: string, maxWidth: number, font: (size: number) => string): string {
  for (let size = 14; size >= 10; size--) {
    ctx.font = font(size)
    if (ctx.measureText(text).width <= maxWidth) return text
  }
  let cut = text
  while (cut.length > 1 && ctx.measureText(`${cut}…`).width > maxWidth) cut = cut.slice(0, -1)
  return `${cut.trimEnd()}…`
}

/** Where the grid of a heatmap lies: its top-left corner, the cell size and the block's left offset. */
export interface HeatmapLayout {
  left: number
  top: number
  size: number
  offset: number
  n: number
}

/** The grid's placement for a canvas of this size (measures the row labels with `ctx`). */
export function heatmapLayout(ctx: Ctx2D, width: number, height: number, spec: HeatmapSpec, theme: ChartTheme): HeatmapLayout {
  const n = spec.classNames.length
  ctx.font = `11px ${theme.fontFamily}`
  const labelWidth = n ? Math.max(...spec.classNames.map((c) => ctx.measureText(c).width)) + 10 : 0
  const top = 34
  const bottom = 28 + labelWidth * 0.75
  const size = n ? Math.max(4, Math.min((width - 24 - labelWidth - 12) / n, (height - top - bottom) / n)) : 0
  // Centre the block (axis title, row labels, grid) when the height limits the cell size.
  const offset = Math.max(0, (width - (24 + labelWidth + n * size + 12)) / 2)
  return { left: offset + 24 + labelWidth, top, size, offset, n }
}

/** The cell (true class row, predicted class column) under a point, or null outside the grid. */
export function heatmapCellAt(layout: HeatmapLayout, x: number, y: number): { row: number; col: number } | null {
  const { left, top, size, n } = layout
  if (!size) return null
  const col = Math.floor((x - left) / size)
  const row = Math.floor((y - top) / size)
  return row >= 0 && row < n && col >= 0 && col < n ? { row, col } : null
}

/** Draws a labelled confusion-matrix heatmap with a value in every cell, on any Ctx2D. */
export function drawHeatmap(ctx: Ctx2D, width: number, height: number, spec: HeatmapSpec, theme: ChartTheme): void {
  const n = spec.classNames.length
  ctx.save()
  ctx.fillStyle = theme.background
  ctx.fillRect(0, 0, width, height)
  const font = (size: number, bold = false) => `${bold ? 'bold ' : ''}${size}px ${theme.fontFamily}`
  ctx.fillStyle = theme.text
  ctx.textAlign = 'center'
  ctx.textBaseline = 'top'
  ctx.fillText(
    fitTitle(ctx, spec.title, width - 16, (size) => font(size, true)),
    width / 2,
    8,
  )
  if (n === 0) {
    ctx.restore()
    return
  }
  const { left, top, size, offset } = heatmapLayout(ctx, width, height, spec, theme)
  const rowSums = spec.matrix.map((row) => row.reduce((a, b) => a + b, 0))
  const maxAbs = Math.max(1, ...spec.matrix.flat().map((v) => Math.abs(v)))
  const cellFont = font(Math.max(7, Math.min(12, size * 0.3)))
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const v = spec.matrix[i]?.[j] ?? 0
      const frac = rowSums[i] ? v / rowSums[i]! : 0
      const t = spec.diverging ? v / maxAbs : spec.normalised ? frac : v / maxAbs
      const fill = cellColor(t, spec.diverging, theme)
      const x = left + j * size
      const y = top + i * size
      ctx.fillStyle = fill
      ctx.fillRect(x, y, size, size)
      if (size >= 16) {
        ctx.fillStyle = textColorFor(fill, theme)
        ctx.font = cellFont
        ctx.textAlign = 'center'
        ctx.textBaseline = 'middle'
        const text =
          spec.normalised && !spec.diverging ? `${Math.round(frac * 100)}` : spec.diverging && v > 0 ? `+${v}` : String(v)
        ctx.fillText(text, x + size / 2, y + size / 2)
      }
    }
  }
  ctx.strokeStyle = theme.grid
  ctx.lineWidth = 1
  ctx.strokeRect(left, top, size * n, size * n)
  ctx.fillStyle = theme.text
  ctx.font = font(11)
  for (let i = 0; i < n; i++) {
    ctx.textAlign = 'right'
    ctx.textBaseline = 'middle'
    ctx.fillText(spec.classNames[i]!, left - 6, top + i * size + size / 2)
    ctx.save()
    ctx.translate(left + i * size + size / 2, top + n * size + 6)
    ctx.rotate(-Math.PI / 4)
    ctx.textAlign = 'right'
    ctx.fillText(spec.classNames[i]!, 0, 0)
    ctx.restore()
  }
  ctx.font = font(12, true)
  ctx.textAlign = 'center'
  ctx.textBaseline = 'bottom'
  ctx.fillText(spec.xLabel, left + (n * size) / 2, height - 4)
  ctx.save()
  ctx.translate(offset + 12, top + (n * size) / 2)
  ctx.rotate(-Math.PI / 2)
  ctx.textBaseline = 'middle'
  ctx.fillText(spec.yLabel, 0, 0)
  ctx.restore()
  ctx.restore()
}

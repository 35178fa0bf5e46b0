import { BasicPlatform, Chart, registerables } from 'chart.js'
import type { AnyChartConfig } from './base'
import type { CanvasLike, Ctx2D } from './ctx2d'
import { drawHeatmap, type HeatmapSpec } from './heatmap'
import type { ChartTheme } from './palette'
import { SvgContext, escapeXml, withRecordingPath2D, type MeasureText } from './svg-context'

Chart.register(...registerables)

/** One panel of a figure: a chart.js chart or a heatmap drawn directly. */
export type Panel = { kind: 'chart'; config: AnyChartConfig } | { kind: 'heatmap'; spec: HeatmapSpec; theme: ChartTheme }

/**
 * Draws a chart.js config once onto a canvas-like target, without DOM, events or animation
 * (BasicPlatform), at `pixelRatio` device pixels per CSS pixel. Returns after the drawing is done.
 */
export function drawChart(canvas: CanvasLike, config: AnyChartConfig, width: number, height: number, pixelRatio: number): void {
  canvas.width = width
  canvas.height = height
  const chart = new Chart(
    canvas as never,
    {
      ...config,
      platform: BasicPlatform,
      options: {
        ...(config.options ?? {}),
        responsive: false,
        maintainAspectRatio: false,
        animation: false,
        devicePixelRatio: pixelRatio,
        events: [],
      },
    } as never,
  )
  // Stop without clearing: destroy() would wipe the pixels, so only detach the instance.
  chart.stop()
  const registry = Chart.instances as Record<string, Chart>
  for (const [key, value] of Object.entries(registry)) if (value === chart) delete registry[key]
}

/** Draws a panel onto a canvas-like target at the given CSS size and pixel ratio. */
export function drawPanel(canvas: CanvasLike, panel: Panel, width: number, height: number, pixelRatio: number): void {
  if (panel.kind === 'chart') return drawChart(canvas, panel.config, width, height, pixelRatio)
  canvas.width = Math.round(width * pixelRatio)
  canvas.height = Math.round(height * pixelRatio)
  const ctx = canvas.getContext('2d') as Ctx2D
  ctx.setTransform(pixelRatio, 0, 0, pixelRatio, 0, 0)
  drawHeatmap(ctx, width, height, panel.spec, panel.theme)
}

/** The panel as SVG markup; `idPrefix` keeps clip-path ids unique when panels share a document. */
export function panelToSvgContext(panel: Panel, width: number, height: number, measure: MeasureText, idPrefix = 'c'): SvgContext {
  const ctx = new SvgContext(width, height, measure, idPrefix)
  withRecordingPath2D(() => drawPanel(ctx.canvas, panel, width, height, 1))
  return ctx
}

export function panelToSvg(panel: Panel, width: number, height: number, measure: MeasureText): string {
  return panelToSvgContext(panel, width, height, measure).toSvg()
}

export interface FigureLayout {
  columns: number
  panelWidth: number
  panelHeight: number
  /** Optional title band on top. */
  title: string | null
  gap: number
}

export function figureSize(count: number, layout: FigureLayout): { width: number; height: number; titleHeight: number } {
  const rows = Math.ceil(count / layout.columns)
  const titleHeight = layout.title ? 40 : 0
  return {
    width: layout.columns * layout.panelWidth + (layout.columns + 1) * layout.gap,
    height: titleHeight + rows * layout.panelHeight + (rows + 1) * layout.gap,
    titleHeight,
  }
}

function panelOrigin(i: number, layout: FigureLayout, titleHeight: number): [number, number] {
  const col = i % layout.columns
  const row = Math.floor(i / layout.columns)
  return [layout.gap + col * (layout.panelWidth + layout.gap), titleHeight + layout.gap + row * (layout.panelHeight + layout.gap)]
}

/** Every panel laid out in a grid, as one SVG document (panels nested as <svg> elements). */
export function figureToSvg(panels: readonly Panel[], layout: FigureLayout, theme: ChartTheme, measure: MeasureText): string {
  const { width, height, titleHeight } = figureSize(panels.length, layout)
  const inner = panels.map((panel, i) => {
    const [x, y] = panelOrigin(i, layout, titleHeight)
    const ctx = panelToSvgContext(panel, layout.panelWidth, layout.panelHeight, measure, `p${i}c`)
    return `<svg x="${x}" y="${y}" width="${layout.panelWidth}" height="${layout.panelHeight}" viewBox="0 0 ${layout.panelWidth} ${layout.panelHeight}">${ctx.body()}</svg>`
  })
  const title = layout.title
    ? `<text x="${width / 2}" y="26" text-anchor="middle" style="font: bold 18px ${escapeXml(theme.fontFamily)}" fill="${theme.text}">${escapeXml(layout.title)}</text>`
    : ''
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><rect width="100%" height="100%" fill="${theme.background}"/>${title}${inner.join('')}</svg>\n`
}

/**
 * Every panel laid out in a grid on one canvas at `pixelRatio` (2 for crisp PNGs). `createCanvas`
 * comes from the host (document.createElement in the browser, @napi-rs/canvas in Node).
 */
export function figureToCanvas<C extends CanvasLike>(
  panels: readonly Panel[],
  layout: FigureLayout,
  theme: ChartTheme,
  pixelRatio: number,
  createCanvas: (width: number, height: number) => C,
): C {
  const { width, height, titleHeight } = figureSize(panels.length, layout)
  const out = createCanvas(Math.round(width * pixelRatio), Math.round(height * pixelRatio))
  const ctx = out.getContext('2d') as Ctx2D & { drawImage(image: unknown, x: number, y: number, w: number, h: number): void }
  ctx.fillStyle = theme.background
  ctx.fillRect(0, 0, out.width, out.height)
  if (layout.title) {
    ctx.save()
    ctx.scale(pixelRatio, pixelRatio)
    ctx.fillStyle = theme.text
    ctx.font = `bold 18px ${theme.fontFamily}`
    ctx.textAlign = 'center'
    ctx.textBaseline = 'middle'
    ctx.fillText(layout.title, width / 2, 20)
    ctx.restore()
  }
  panels.forEach((panel, i) => {
    const [x, y] = panelOrigin(i, layout, titleHeight)
    const part = createCanvas(layout.panelWidth, layout.panelHeight)
    drawPanel(part, panel, layout.panelWidth, layout.panelHeight, pixelRatio)
    ctx.drawImage(part, x * pixelRatio, y * pixelRatio, layout.panelWidth * pixelRatio, layout.panelHeight * pixelRatio)
  })
  return out
}

import { createCanvas, type Canvas } from '@napi-rs/canvas'
import type { RunDetail, RunGroup } from '@shared/domain/run'
import { compareFigureLayout, compareFigurePanels } from '@shared/charts/figure'
import { epochMetricsCsv } from '@shared/charts/csv'
import { ENGLISH_LABELS, type ChartLabels } from '@shared/charts/labels'
import { LIGHT, type ChartTheme } from '@shared/charts/palette'
import { htmlReport } from '@shared/charts/report'
import { drawPanel, figureToCanvas, figureToSvg, panelToSvg, type Panel } from '@shared/charts/render'
import type { MeasureText } from '@shared/charts/svg-context'

/** PNG exports are drawn at twice the CSS size, like the UI's "PNG (2x)". */
export const PNG_SCALE = 2

const measureCanvas = createCanvas(8, 8)
const measureCtx = measureCanvas.getContext('2d')

/** Text widths for the SVG recorder, measured with the same fonts the PNG renderer uses. */
export const measureText: MeasureText = (font, text) => {
  measureCtx.font = font
  return measureCtx.measureText(text).width
}

export function panelToPng(panel: Panel, width: number, height: number, scale = PNG_SCALE): Buffer {
  const canvas = createCanvas(width, height)
  drawPanel(canvas, panel, width, height, scale)
  return canvas.toBuffer('image/png')
}

export function panelToSvgString(panel: Panel, width: number, height: number): string {
  return panelToSvg(panel, width, height, measureText)
}

export interface CompareRender {
  png(): Buffer
  svg(): string
  csv(): string
  html(): string
}

/** Everything `compare --export/--csv/--report` writes, from the same definitions as the Compare view. */
export function renderCompare(
  runs: readonly RunDetail[],
  options: { groups?: readonly RunGroup[] | null; title?: string; labels?: ChartLabels; theme?: ChartTheme; now?: Date } = {},
): CompareRender {
  const labels = options.labels ?? ENGLISH_LABELS
  const theme = options.theme ?? LIGHT
  const title = options.title ?? `CIFAR Workbench — ${runs.map((r) => r.name).join(' vs ')}`
  const panels = compareFigurePanels({ runs, groups: options.groups ?? null, labels, theme })
  const layout = compareFigureLayout(panels.length, title)
  return {
    png: () => figureToCanvas<Canvas>(panels, layout, theme, PNG_SCALE, (w, h) => createCanvas(w, h)).toBuffer('image/png'),
    svg: () => figureToSvg(panels, layout, theme, measureText),
    csv: () => epochMetricsCsv(runs),
    html: () =>
      htmlReport({
        title,
        generatedAt: (options.now ?? new Date()).toISOString(),
        runs,
        figures: [{ title: 'Comparison', svg: figureToSvg(panels, { ...layout, title: null }, theme, measureText) }],
      }),
  }
}

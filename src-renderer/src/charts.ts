import { computed, type ComputedRef } from 'vue'
import { useI18n } from 'vue-i18n'
import { CHART_LABELS, type ChartLabels } from '@shared/charts/labels'
import { figureToCanvas, figureToSvg, panelToSvg, drawPanel, type FigureLayout, type Panel } from '@shared/charts/render'
import type { ChartTheme } from '@shared/charts/palette'
import type { MeasureText } from '@shared/charts/svg-context'
import type { SaveKind } from '@shared/contract'
import { desktop, shellCall } from './desktop'

/** Exported charts have a fixed CSS size (so files do not depend on the window), PNG at 2x. */
export const EXPORT_WIDTH = 800
export const EXPORT_HEIGHT = 450
export const PNG_SCALE = 2

/** The chart words in the user's language, from the one table the CLI and the report use too. */
export function useChartLabels(): ComputedRef<ChartLabels> {
  const { locale } = useI18n()
  return computed(() => CHART_LABELS[locale.value === 'es' ? 'es' : 'en'])
}

let measureCtx: CanvasRenderingContext2D | null = null
export const browserMeasure: MeasureText = (font, text) => {
  measureCtx ??= document.createElement('canvas').getContext('2d')
  if (!measureCtx) return text.length * 6
  measureCtx.font = font
  return measureCtx.measureText(text).width
}

function canvasOf(width: number, height: number): HTMLCanvasElement {
  const c = document.createElement('canvas')
  c.width = width
  c.height = height
  return c
}

/** A file name safe on every OS. */
export function fileName(base: string, ext: string): string {
  const clean =
    base
      .replace(/[^\p{L}\p{N}._-]+/gu, '-')
      .replace(/-+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 80) || 'chart'
  return `${clean}.${ext}`
}

/** The save dialog's filter for a file name's extension. */
function saveKind(name: string): SaveKind {
  const ext = name.split('.').pop()?.toLowerCase()
  return ext === 'png' || ext === 'svg' || ext === 'html' || ext === 'csv' ? ext : 'json'
}

/**
 * Saves an export: the native save dialog (in the last folder used) in the desktop app, a browser
 * download otherwise. Resolves to the path written, or null (a download, or a cancelled dialog).
 */
export async function saveBlob(name: string, blob: Blob): Promise<string | null> {
  if (desktop()) {
    const { path } = await shellCall('shell.saveFile', {
      suggestedName: name,
      kind: saveKind(name),
      data: new Uint8Array(await blob.arrayBuffer()),
    })
    return path
  }
  const url = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = url
  a.download = name
  a.rel = 'noopener'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  return null
}

export function saveText(name: string, text: string, mime: string): Promise<string | null> {
  return saveBlob(name, new Blob([text], { type: mime }))
}

function canvasBlob(canvas: HTMLCanvasElement): Promise<Blob> {
  return new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
  )
}

export async function exportPanelPng(panel: Panel, name: string): Promise<void> {
  const canvas = canvasOf(EXPORT_WIDTH, EXPORT_HEIGHT)
  drawPanel(canvas, panel, EXPORT_WIDTH, EXPORT_HEIGHT, PNG_SCALE)
  await saveBlob(fileName(name, 'png'), await canvasBlob(canvas))
}

export async function exportPanelSvg(panel: Panel, name: string): Promise<void> {
  await saveText(fileName(name, 'svg'), panelToSvg(panel, EXPORT_WIDTH, EXPORT_HEIGHT, browserMeasure), 'image/svg+xml')
}

export async function exportFigurePng(panels: Panel[], layout: FigureLayout, theme: ChartTheme, name: string): Promise<void> {
  const canvas = figureToCanvas(panels, layout, theme, PNG_SCALE, canvasOf)
  await saveBlob(fileName(name, 'png'), await canvasBlob(canvas))
}

export function figureSvg(panels: Panel[], layout: FigureLayout, theme: ChartTheme): string {
  return figureToSvg(panels, layout, theme, browserMeasure)
}

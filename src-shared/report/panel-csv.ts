import type { Panel } from '../charts/render'

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return ''
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

const line = (values: readonly (string | number | null | undefined)[]) => values.map(cell).join(',')

/**
 * The numbers a chart draws, as CSV beside its PNG and SVG: one row per point (series, x, y) for
 * line, scatter and bar charts, the matrix with class names for a heatmap.
 */
export function panelCsv(panel: Panel): string {
  if (panel.kind === 'heatmap') {
    const { classNames, matrix } = panel.spec
    const rows = [line(['true \\ predicted', ...classNames])]
    matrix.forEach((row, i) => rows.push(line([classNames[i] ?? String(i), ...row])))
    return `${rows.join('\n')}\n`
  }
  const labels = (panel.config.data.labels ?? []).map((l) => (typeof l === 'string' || typeof l === 'number' ? String(l) : ''))
  const rows = [line(['series', 'x', 'y'])]
  for (const dataset of panel.config.data.datasets) {
    const name = String(dataset.label ?? '')
    ;(dataset.data as readonly unknown[]).forEach((point, i) => {
      if (point === null || point === undefined) return
      if (typeof point === 'number') rows.push(line([name, labels[i] ?? String(i), point]))
      else if (typeof point === 'object' && 'x' in point && 'y' in point) {
        const at = (v: unknown) => (typeof v === 'number' || typeof v === 'string' ? v : null)
        rows.push(line([name, at(point.x), at(point.y)]))
      }
    })
  }
  return `${rows.join('\n')}\n`
}

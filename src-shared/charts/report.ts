import type { RunDetail } from '../domain/run'
import { formatMetric, metricRows, runLabels, type CompareRun, type MetricKey } from './compare'
import { seriesColor } from './palette'
import { escapeXml } from './svg-context'

export const METRIC_NAMES: Record<MetricKey, string> = {
  testAccuracy: 'Test accuracy',
  bestValAccuracy: 'Best val. accuracy',
  gap: 'Overfitting gap (train − val at best epoch)',
  totalParams: 'Params (total)',
  trainableParams: 'Params (trainable)',
  wallTime: 'Wall time',
  imagesPerSecond: 'Images/s',
}

export interface ReportInput {
  title: string
  generatedAt: string
  runs: readonly (CompareRun & Pick<RunDetail, 'config' | 'backend' | 'status'>)[]
  /** Standalone SVG documents of the figures (inlined, so the file needs nothing else). */
  figures: readonly { title: string; svg: string }[]
  metricNames?: Record<MetricKey, string>
}

/** A self-contained HTML report: inline SVG charts, the metrics table (best in bold) and every config. */
export function htmlReport(input: ReportInput): string {
  const names = runLabels(input.runs)
  const metricNames = input.metricNames ?? METRIC_NAMES
  const rows = metricRows(input.runs)
  const head = names
    .map((n, i) => `<th><span class="swatch" style="background:${seriesColor(i)}"></span>${escapeXml(n)}</th>`)
    .join('')
  const body = rows
    .map(
      (row) =>
        `<tr><th scope="row">${escapeXml(metricNames[row.key])}</th>${row.values
          .map((v, i) => `<td class="${row.best === i ? 'best' : ''}">${escapeXml(formatMetric(v, row.format))}</td>`)
          .join('')}</tr>`,
    )
    .join('\n')
  const figures = input.figures
    .map((f) => `<figure><figcaption>${escapeXml(f.title)}</figcaption>${f.svg.replace(/^<\?xml[^>]*>\s*/, '')}</figure>`)
    .join('\n')
  const configs = input.runs
    .map(
      (r, i) =>
        `<details><summary>${escapeXml(names[i]!)} — ${escapeXml(r.id)} · ${escapeXml(r.status)} · ${escapeXml(r.backend ?? '')}</summary><pre>${escapeXml(JSON.stringify(r.config, null, 2))}</pre></details>`,
    )
    .join('\n')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeXml(input.title)}</title>
<style>
body { font-family: 'DejaVu Sans', system-ui, sans-serif; margin: 2rem; color: #1b1d21; background: #fff; }
table { border-collapse: collapse; margin: 1rem 0; }
th, td { border-bottom: 1px solid #d6d9de; padding: 0.35rem 0.7rem; text-align: right; font-variant-numeric: tabular-nums; }
th[scope=row] { text-align: left; font-weight: 600; }
td.best { font-weight: 700; background: #d7ecd9; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.4rem; vertical-align: middle; border-radius: 2px; }
figure { margin: 1.5rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: 0.5rem; }
pre { background: #f0f1f3; padding: 0.75rem; overflow: auto; }
</style>
</head>
<body>
<h1>${escapeXml(input.title)}</h1>
<p>Generated ${escapeXml(input.generatedAt)} · ${input.runs.length} runs</p>
<h2>Metrics</h2>
<table>
<thead><tr><th></th>${head}</tr></thead>
<tbody>
${body}
</tbody>
</table>
<h2>Figures</h2>
${figures}
<h2>Configurations</h2>
${configs}
</body>
</html>
`
}

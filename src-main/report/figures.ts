import { confusionDifference, perClassConfig, runLabels, scatterConfig } from '@shared/charts/compare'
import { compareCurveConfig, runCurveConfig } from '@shared/charts/curves'
import { compareCurveRuns } from '@shared/charts/figure'
import { LIGHT } from '@shared/charts/palette'
import type { Panel } from '@shared/charts/render'
import { seriesFromDetail } from '@shared/charts/series'
import type { RunDetail } from '@shared/domain/run'
import type { ReportStrings } from '@shared/report/strings'

export type FigureSection = 'compare' | 'curves' | 'confusion'

/** One chart of the report: drawn as PNG and SVG and written with its CSV under the same name. */
export interface ReportFigure {
  /** File-name stem, unique in the report: "val-accuracy", "run1-loss", "run2-confusion". */
  id: string
  section: FigureSection
  title: string
  panel: Panel
  width: number
  height: number
}

const CHART = { width: 800, height: 450 }
const MATRIX = { width: 640, height: 560 }

function confusionPanel(title: string, matrix: number[][], classNames: string[], diverging: boolean, s: ReportStrings): Panel {
  return {
    kind: 'heatmap',
    theme: LIGHT,
    spec: { title, matrix, classNames, normalised: false, diverging, xLabel: s.axisPredicted, yLabel: s.axisTrue },
  }
}

/**
 * Every chart of the report, from the same chart definitions as the app: the Compare curves and
 * scatters, each run's training curves and confusion matrix, and the difference of the first two
 * runs' matrices.
 */
export function reportFigures(runs: readonly RunDetail[], s: ReportStrings): ReportFigure[] {
  const labels = s.chart
  const theme = LIGHT
  const names = runLabels(runs)
  const out: ReportFigure[] = []
  const chart = (id: string, section: FigureSection, title: string, panel: Panel) =>
    out.push({ id, section, title, panel, ...CHART })
  for (const metric of ['valAccuracy', 'valLoss'] as const) {
    const title = metric === 'valAccuracy' ? labels.valAccuracyTitle : labels.valLossTitle
    chart(metric === 'valAccuracy' ? 'val-accuracy' : 'val-loss', 'compare', title, {
      kind: 'chart',
      config: compareCurveConfig({ runs: compareCurveRuns(runs, null, metric), metric, theme, labels, title }),
    })
  }
  if (runs.some((r) => r.evaluation))
    chart('per-class-accuracy', 'compare', labels.perClassTitle, {
      kind: 'chart',
      config: perClassConfig({ runs, labels, theme, names, title: labels.perClassTitle }),
    })
  chart('accuracy-vs-params', 'compare', labels.scatterParamsTitle, {
    kind: 'chart',
    config: scatterConfig({ runs, x: 'params', labels, theme, names, title: labels.scatterParamsTitle }),
  })
  chart('accuracy-vs-time', 'compare', labels.scatterTimeTitle, {
    kind: 'chart',
    config: scatterConfig({ runs, x: 'time', labels, theme, names, title: labels.scatterTimeTitle }),
  })
  runs.forEach((run, i) => {
    const series = seriesFromDetail(run)
    for (const metric of ['accuracy', 'loss'] as const) {
      const title = s.runCurves(names[i]!, metric === 'accuracy' ? labels.accuracy : labels.loss)
      chart(`run${i + 1}-${metric}`, 'curves', title, {
        kind: 'chart',
        config: runCurveConfig({ series, metric, smoothing: 0.6, theme, labels, title }),
      })
    }
  })
  runs.forEach((run, i) => {
    const ev = run.evaluation
    if (!ev) return
    const title = s.confusionOf(names[i]!)
    out.push({
      id: `run${i + 1}-confusion`,
      section: 'confusion',
      title,
      panel: confusionPanel(title, ev.confusionMatrix, ev.classNames, false, s),
      ...MATRIX,
    })
  })
  const [a, b] = [runs[0]?.evaluation, runs[1]?.evaluation]
  if (a && b && a.classNames.length === b.classNames.length) {
    const title = labels.confusionDiffTitle(names[0]!, names[1]!)
    out.push({
      id: 'confusion-difference',
      section: 'confusion',
      title,
      panel: confusionPanel(title, confusionDifference(a.confusionMatrix, b.confusionMatrix), a.classNames, true, s),
      ...MATRIX,
    })
  }
  return out
}

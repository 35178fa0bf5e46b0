import type { RunGroup } from '../domain/run'
import { confusionDifference, perClassConfig, runLabels, scatterConfig, type CompareRun } from './compare'
import { compareCurveConfig, type CompareCurveRun } from './curves'
import type { ChartLabels } from './labels'
import type { ChartTheme } from './palette'
import type { FigureLayout, Panel } from './render'

export interface CompareFigureInput {
  runs: readonly CompareRun[]
  /** When given, runs sharing a config hash are drawn as one mean line with a ±std band. */
  groups?: readonly RunGroup[] | null
  labels: ChartLabels
  theme: ChartTheme
  confusionAxis?: { x: string; y: string }
}

/** Curve entries for Compare: one per run, or one per seed group (mean ± std) when grouping. */
export function compareCurveRuns(
  runs: readonly CompareRun[],
  groups: readonly RunGroup[] | null | undefined,
  metric: 'valAccuracy' | 'valLoss',
): CompareCurveRun[] {
  const names = runLabels(runs)
  if (!groups || groups.length === 0) return runs.map((r, i) => ({ label: names[i]!, colorIndex: i, epochs: r.epochs }))
  const out: CompareCurveRun[] = []
  const grouped = new Set<string>()
  for (const g of groups) {
    const members = runs.filter((r) => g.runIds.includes(r.id))
    if (members.length < 2) continue
    for (const m of members) grouped.add(m.id)
    const colorIndex = runs.indexOf(members[0]!)
    out.push({
      label: `${g.name} (n=${members.length})`,
      colorIndex,
      epochs: [],
      band: g.epochBands.map((b) => ({
        epoch: b.epoch,
        mean: metric === 'valAccuracy' ? b.valAccuracyMean : b.valLossMean,
        std: metric === 'valAccuracy' ? b.valAccuracyStd : b.valLossStd,
      })),
    })
  }
  runs.forEach((r, i) => {
    if (!grouped.has(r.id)) out.push({ label: names[i]!, colorIndex: i, epochs: r.epochs })
  })
  return out
}

/** The panels of the Compare figure, in the same order as the Compare view shows them. */
export function compareFigurePanels(input: CompareFigureInput): Panel[] {
  const { runs, labels, theme } = input
  const names = runLabels(runs)
  const panels: Panel[] = [
    {
      kind: 'chart',
      config: compareCurveConfig({
        runs: compareCurveRuns(runs, input.groups, 'valAccuracy'),
        metric: 'valAccuracy',
        theme,
        labels,
        title: labels.valAccuracyTitle,
      }),
    },
    {
      kind: 'chart',
      config: compareCurveConfig({
        runs: compareCurveRuns(runs, input.groups, 'valLoss'),
        metric: 'valLoss',
        theme,
        labels,
        title: labels.valLossTitle,
      }),
    },
  ]
  if (runs.some((r) => r.evaluation))
    panels.push({ kind: 'chart', config: perClassConfig({ runs, labels, theme, names, title: labels.perClassTitle }) })
  panels.push({
    kind: 'chart',
    config: scatterConfig({ runs, x: 'params', labels, theme, names, title: labels.scatterParamsTitle }),
  })
  panels.push({ kind: 'chart', config: scatterConfig({ runs, x: 'time', labels, theme, names, title: labels.scatterTimeTitle }) })
  const a = runs[0]?.evaluation
  const b = runs[1]?.evaluation
  if (runs.length === 2 && a && b && a.classNames.length === b.classNames.length) {
    panels.push({
      kind: 'heatmap',
      theme,
      spec: {
        title: labels.confusionDiffTitle(names[0]!, names[1]!),
        matrix: confusionDifference(a.confusionMatrix, b.confusionMatrix),
        classNames: a.classNames,
        normalised: false,
        diverging: true,
        xLabel: input.confusionAxis?.x ?? 'Predicted class',
        yLabel: input.confusionAxis?.y ?? 'True class',
      },
    })
  }
  return panels
}

export function compareFigureLayout(panelCount: number, title: string | null): FigureLayout {
  return { columns: panelCount > 1 ? 2 : 1, panelWidth: 640, panelHeight: 400, gap: 16, title }
}

import type { DatasetInfo } from '../domain/dataset'
import { axis, backgroundPlugin, commonOptions, type AnyChartConfig } from './base'
import { seriesColor, type ChartTheme } from './palette'

/** Images per class, train and test side by side (an unbalanced import shows at a glance). */
export function classCountsConfig(input: {
  dataset: Pick<DatasetInfo, 'classNames' | 'counts'>
  theme: ChartTheme
  trainLabel: string
  testLabel: string
  yLabel: string
}): AnyChartConfig {
  const { theme } = input
  return {
    type: 'bar',
    data: {
      labels: [...input.dataset.classNames],
      datasets: [
        { label: input.trainLabel, data: [...input.dataset.counts.train], backgroundColor: seriesColor(0), borderWidth: 0 },
        { label: input.testLabel, data: [...input.dataset.counts.test], backgroundColor: seriesColor(1), borderWidth: 0 },
      ],
    },
    options: {
      ...commonOptions(theme, null),
      parsing: true,
      scales: { x: axis(theme, ''), y: axis(theme, input.yLabel, { beginAtZero: true }) },
    } as unknown as AnyChartConfig['options'],
    plugins: [backgroundPlugin],
  }
}

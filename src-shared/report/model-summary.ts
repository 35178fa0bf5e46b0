import type { ModelSummary } from '../domain/run'
import { text, type ReportBlock } from './document'
import type { ReportLanguage, ReportStrings } from './strings'

/** Keras' `None` for the batch dimension, e.g. "(None, 16, 16, 32)". */
export function shapeText(shape: readonly (number | null)[]): string {
  return `(${shape.map((d) => d ?? 'None').join(', ')})`
}

/**
 * A model as Keras' `model.summary()` prints it: one row per layer (name and type, output shape,
 * parameters, whether it trains), then the total, trainable and non-trainable parameter counts.
 */
export function modelSummaryBlocks(summary: ModelSummary, s: ReportStrings, lang: ReportLanguage, id: string): ReportBlock[] {
  const n = new Intl.NumberFormat(lang, { maximumFractionDigits: 0 })
  const c = s.summaryColumns
  return [
    {
      kind: 'table',
      testId: `summary-${id}`,
      alignFirstLeft: true,
      head: [c.layer, c.outputShape, c.params, c.trainable],
      rows: summary.layers.map((l) => [
        text(`${l.name} (${l.className})`),
        text(shapeText(l.outputShape)),
        text(n.format(l.params)),
        text(l.params === 0 ? '' : l.trainable ? s.yes : s.no),
      ]),
    },
    {
      kind: 'paragraph',
      text: `${s.totalParams}: ${n.format(summary.totalParams)} · ${s.trainableParams}: ${n.format(summary.trainableParams)} · ${s.nonTrainableParams}: ${n.format(summary.nonTrainableParams)}`,
    },
  ]
}

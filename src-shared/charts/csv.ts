import type { RunDetail } from '../domain/run'

const HEADER = [
  'run_id',
  'run_name',
  'seed',
  'phase',
  'epoch',
  'loss',
  'accuracy',
  'val_loss',
  'val_accuracy',
  'learning_rate',
  'duration_ms',
  'images_per_second',
]

function cell(value: string | number | null): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

/** Epoch metrics of several runs: a header, then one row per epoch per run (RFC 4180 quoting). */
export function epochMetricsCsv(runs: readonly Pick<RunDetail, 'id' | 'name' | 'seed' | 'epochs'>[]): string {
  const lines = [HEADER.join(',')]
  for (const run of runs) {
    for (const e of run.epochs) {
      lines.push(
        [
          run.id,
          run.name,
          run.seed,
          e.phase,
          e.epoch,
          e.loss,
          e.accuracy,
          e.valLoss,
          e.valAccuracy,
          e.learningRate,
          e.durationMs,
          e.imagesPerSecond,
        ]
          .map(cell)
          .join(','),
      )
    }
  }
  return `${lines.join('\n')}\n`
}

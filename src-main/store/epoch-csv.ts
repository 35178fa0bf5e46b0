import { ContractError } from '@shared/contract'
import { EpochMetric } from '@shared/domain/run'

/** Column order of a bundle's epoch CSV (snake_case, spreadsheet friendly). */
export const EPOCH_CSV_COLUMNS = [
  'phase',
  'epoch',
  'loss',
  'accuracy',
  'val_loss',
  'val_accuracy',
  'learning_rate',
  'duration_ms',
  'images_per_second',
] as const

const cell = (v: number | string | null): string => (v === null ? '' : String(v))

export function epochsToCsv(epochs: readonly EpochMetric[]): string {
  const lines = [EPOCH_CSV_COLUMNS.join(',')]
  for (const e of epochs) {
    lines.push(
      [e.phase, e.epoch, e.loss, e.accuracy, e.valLoss, e.valAccuracy, e.learningRate, e.durationMs, e.imagesPerSecond]
        .map(cell)
        .join(','),
    )
  }
  return `${lines.join('\n')}\n`
}

/** Parses an epoch CSV written by epochsToCsv; `source` names the file or run in errors. */
export function epochsFromCsv(text: string, source: string): EpochMetric[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '')
  const header = lines.shift()
  if (header?.trim() !== EPOCH_CSV_COLUMNS.join(',')) {
    throw new ContractError('invalid_input', `${source}: the epoch CSV header must be "${EPOCH_CSV_COLUMNS.join(',')}"`)
  }
  return lines.map((line, i) => {
    const cells = line.split(',')
    if (cells.length !== EPOCH_CSV_COLUMNS.length) {
      throw new ContractError(
        'invalid_input',
        `${source}: line ${i + 2} has ${cells.length} cells, expected ${EPOCH_CSV_COLUMNS.length}`,
      )
    }
    const num = (k: number): number | null => (cells[k] === '' ? null : Number(cells[k]))
    const parsed = EpochMetric.safeParse({
      phase: cells[0],
      epoch: num(1),
      loss: num(2),
      accuracy: num(3),
      valLoss: num(4),
      valAccuracy: num(5),
      learningRate: num(6),
      durationMs: num(7),
      imagesPerSecond: num(8),
    })
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new ContractError('invalid_input', `${source}: line ${i + 2}: ${issue?.path.join('.')}: ${issue?.message}`)
    }
    return parsed.data
  })
}

import type { Statement } from 'better-sqlite3'
import { ContractError } from '@shared/contract'
import type { BatchPoint } from '@shared/domain/run'
import type { Db } from './database'

/**
 * Reads a run's stored batch points column by column.
 *
 * A full run holds a few thousand points and a comparison loads ten runs, so this read dominates
 * getRun/compareRuns. better-sqlite3 pays per value it hands to JavaScript far more when it builds a
 * row (an object or array per row, plus the repeated run_id and phase strings) than when it plucks one
 * column; four plucked columns zipped into the points cost about half of reading rows and mapping them.
 * The columns must come from one snapshot, so callers read inside a transaction (see `read`).
 */
export class BatchPointReader {
  private readonly steps: Statement<[string], number>
  private readonly epochPhases: Statement<[string], number>
  private readonly losses: Statement<[string], number>
  private readonly accuracies: Statement<[string], number>

  constructor(private readonly db: Db) {
    const column = (expr: string) =>
      db.prepare<[string], number>(`SELECT ${expr} FROM batch_points WHERE run_id = ? ORDER BY step`).pluck()
    this.steps = column('step')
    // Epoch and phase share one exact integer (epoch * 2 + 1 for finetune): one column fewer to hand
    // over. Anything but 'finetune' reads as 'train', as the row mapping always did.
    this.epochPhases = column("epoch * 2 + (phase = 'finetune')")
    this.losses = column('loss')
    this.accuracies = column('accuracy')
  }

  /** The points of each run in `ids`, ordered by step; runs without points are absent from the map. */
  read(ids: readonly string[]): Map<string, BatchPoint[]> {
    return this.db.transaction(() => {
      const out = new Map<string, BatchPoint[]>()
      for (const id of new Set(ids)) {
        const points = this.readRun(id)
        if (points.length > 0) out.set(id, points)
      }
      return out
    })()
  }

  private readRun(id: string): BatchPoint[] {
    const step = this.steps.all(id)
    const epochPhase = this.epochPhases.all(id)
    const loss = this.losses.all(id)
    const accuracy = this.accuracies.all(id)
    const n = step.length
    if (epochPhase.length !== n || loss.length !== n || accuracy.length !== n) {
      // Cannot happen inside one transaction; guards against a caller reading outside one.
      throw new ContractError('internal', `run ${id}: batch points changed while they were being read`)
    }
    const points = new Array<BatchPoint>(n)
    for (let i = 0; i < n; i++) {
      const ep = epochPhase[i]!
      const epoch = Math.floor(ep / 2)
      points[i] = {
        phase: ep - epoch * 2 === 1 ? 'finetune' : 'train',
        epoch,
        step: step[i]!,
        loss: loss[i]!,
        accuracy: accuracy[i]!,
      }
    }
    return points
  }
}

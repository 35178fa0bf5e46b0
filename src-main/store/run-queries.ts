import type { z } from 'zod'
import { ContractError, RunListQuery, type SizedTransferRun } from '@shared/contract'
import type { Artifact, EpochMetric, RunDetail, RunGroup, RunSummary } from '@shared/domain/run'
import type { BatchPointReader } from './batch-point-reader'
import type { Db } from './database'
import { buildGroups, type GroupMember } from './groups'
import { chunked, groupedByRun, placeholders } from './id-lists'
import { toArtifact, toDetail, toEpoch, toSummary, type ArtifactRow, type DetailRow, type EpochRow, type RunRow } from './rows'
import { checkInput } from './schema-check'

export interface RunListResult {
  total: number
  items: RunSummary[]
}

const SORT_COLUMNS: Record<z.output<typeof RunListQuery>['sortBy'], string> = {
  createdAt: 'created_at',
  name: 'name COLLATE NOCASE',
  status: 'status',
  modelKind: 'model_kind',
  testAccuracy: 'test_accuracy',
  bestValAccuracy: 'best_val_accuracy',
  finalValAccuracy: 'final_val_accuracy',
  totalParams: 'total_params',
  wallTimeMs: 'wall_time_ms',
  imagesPerSecond: 'images_per_second',
}

/** Sort keys whose column is NOT NULL: no nulls-last term, so an index can serve the order. */
const NOT_NULL_SORT_KEYS = new Set<string>(['createdAt', 'name', 'status', 'modelKind'])

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

/** Reading the run history: one run, a filtered page, several in full, seed groups. */
export class RunQueries {
  constructor(
    protected readonly db: Db,
    private readonly pointReader: BatchPointReader,
  ) {}

  getRun(id: string): RunDetail {
    return this.compareRuns([id])[0]!
  }

  getSummary(id: string): RunSummary {
    return toSummary(this.row(id), this.tags([id]).get(id) ?? [])
  }

  listRuns(query: RunListQuery = {}): RunListResult {
    const q = checkInput(RunListQuery, query, 'run list query')
    const where: string[] = []
    const params: unknown[] = []
    if (q.status && q.status.length > 0) {
      where.push(`status IN (${placeholders(q.status.length)})`)
      params.push(...q.status)
    }
    if (q.modelKind) {
      where.push('model_kind = ?')
      params.push(q.modelKind)
    }
    if (q.tag) {
      where.push('EXISTS (SELECT 1 FROM run_tags t WHERE t.run_id = runs.id AND t.tag = ?)')
      params.push(q.tag)
    }
    if (q.text) {
      // LIKE is case-insensitive for ASCII; lower() on both sides extends that to other letters.
      const pattern = `%${escapeLike(q.text.toLowerCase())}%`
      where.push("(lower(name) LIKE ? ESCAPE '\\' OR lower(notes) LIKE ? ESCAPE '\\')")
      params.push(pattern, pattern)
    }
    const whereSql = where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''
    const column = SORT_COLUMNS[q.sortBy]
    const dir = q.sortDir === 'asc' ? 'ASC' : 'DESC'
    const total = (this.db.prepare(`SELECT count(*) AS n FROM runs ${whereSql}`).get(...params) as { n: number }).n
    // Missing values (a run without a test accuracy yet) sort last in both directions. The page is
    // chosen on narrow columns first, then only its rows are read whole.
    const nullsLast = NOT_NULL_SORT_KEYS.has(q.sortBy) ? '' : `(${column.split(' ')[0]} IS NULL), `
    const pageIds = this.db
      .prepare(
        `SELECT id FROM runs ${whereSql} ORDER BY ${nullsLast}${column} ${dir}, created_at ${dir}, id ${dir} LIMIT ? OFFSET ?`,
      )
      .pluck()
      .all(...params, q.limit, q.offset) as string[]
    const byId = new Map(
      (this.db.prepare(`SELECT * FROM runs WHERE id IN (${placeholders(pageIds.length)})`).all(...pageIds) as RunRow[]).map(
        (r) => [r.id, r],
      ),
    )
    const rows = pageIds.map((id) => byId.get(id)!)
    const tags = this.tags(rows.map((r) => r.id))
    return { total, items: rows.map((r) => toSummary(r, tags.get(r.id) ?? [])) }
  }

  /**
   * Several runs in full, in the order asked, read in one transaction so every table comes from the
   * same snapshot; one query per table whatever the count (batch points: a few per run, see BatchPointReader).
   */
  compareRuns(ids: string[]): RunDetail[] {
    return this.db.transaction(() => this.readDetails(ids))()
  }

  /** Completed runs on one base with a test accuracy, with the input size they ran at (newest first). */
  sizedRuns(baseId: string, datasetId?: string): SizedTransferRun[] {
    const rows = this.db
      .prepare(
        `SELECT r.id, r.name, r.dataset_id, r.test_accuracy, json_extract(p.config_json, '$.model.inputSize') AS input_size
         FROM runs r JOIN run_payloads p ON p.run_id = r.id
         WHERE r.status = 'completed' AND r.model_kind = 'transfer' AND r.base_id = ? AND r.test_accuracy IS NOT NULL
           AND (? IS NULL OR r.dataset_id = ?)
         ORDER BY r.created_at DESC`,
      )
      .all(baseId, datasetId ?? null, datasetId ?? null) as Array<{
      id: string
      name: string
      dataset_id: string
      test_accuracy: number
      input_size: unknown
    }>
    return rows.flatMap((r) =>
      typeof r.input_size === 'number'
        ? [{ id: r.id, name: r.name, datasetId: r.dataset_id, inputSize: r.input_size, testAccuracy: r.test_accuracy }]
        : [],
    )
  }

  groupRuns(ids?: string[]): RunGroup[] {
    type GroupRow = RunRow & { config_name: string | null }
    const select = `SELECT r.*, json_extract(p.config_json, '$.name') AS config_name FROM runs r JOIN run_payloads p ON p.run_id = r.id`
    const rows =
      ids === undefined
        ? (this.db.prepare(select).all() as GroupRow[])
        : chunked(
            ids,
            (part) => this.db.prepare(`${select} WHERE r.id IN (${placeholders(part.length)})`).all(...part) as GroupRow[],
          )
    const completedIds = rows.filter((r) => r.status === 'completed').map((r) => r.id)
    const epochs = this.epochs(completedIds)
    const evals = new Map<string, { testLoss: number; macroF1: number }>()
    for (const e of chunked(
      completedIds,
      (part) =>
        this.db
          .prepare(
            `SELECT run_id, test_loss, json_extract(evaluation_json, '$.macro.f1') AS macro_f1 FROM evaluations WHERE run_id IN (${placeholders(part.length)})`,
          )
          .all(...part) as Array<{ run_id: string; test_loss: number; macro_f1: number | null }>,
    )) {
      evals.set(e.run_id, { testLoss: e.test_loss, macroF1: e.macro_f1 ?? Number.NaN })
    }
    const members: GroupMember[] = rows.map((r) => {
      const ev = evals.get(r.id)
      return {
        id: r.id,
        name: r.config_name ?? r.name,
        configHash: r.config_hash,
        status: r.status,
        createdAt: r.created_at,
        epochs: epochs.get(r.id) ?? [],
        metrics: {
          testAccuracy: r.test_accuracy,
          testLoss: ev?.testLoss ?? null,
          macroF1: ev?.macroF1 ?? null,
          bestValAccuracy: r.best_val_accuracy,
          finalValAccuracy: r.final_val_accuracy,
          finalValLoss: r.final_val_loss,
          finalAccuracy: r.final_accuracy,
          finalLoss: r.final_loss,
          wallTimeMs: r.wall_time_ms,
          imagesPerSecond: r.images_per_second,
        },
      }
    })
    return buildGroups(members)
  }

  // ------------------------------------------------------------------ for the writers

  protected row(id: string): RunRow {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined
    if (!row) throw new ContractError('not_found', `run ${id} not found`)
    return row
  }

  protected artifacts(ids: readonly string[]): Map<string, Artifact[]> {
    return groupedByRun<ArtifactRow, Artifact>(
      this.db,
      ids,
      (ph) =>
        `SELECT run_id, kind, path, size_bytes, sha256, created_at FROM artifacts WHERE run_id IN (${ph}) ORDER BY run_id, id`,
      toArtifact,
    )
  }

  private tags(ids: readonly string[]): Map<string, string[]> {
    return groupedByRun<{ run_id: string; tag: string }, string>(
      this.db,
      ids,
      (ph) => `SELECT run_id, tag FROM run_tags WHERE run_id IN (${ph}) ORDER BY tag`,
      (r) => r.tag,
    )
  }

  private epochs(ids: readonly string[]): Map<string, EpochMetric[]> {
    return groupedByRun<EpochRow, EpochMetric>(
      this.db,
      ids,
      (ph) => `SELECT * FROM epochs WHERE run_id IN (${ph}) ORDER BY run_id, epoch`,
      toEpoch,
    )
  }

  private readDetails(ids: readonly string[]): RunDetail[] {
    const rows = new Map(
      chunked(
        ids,
        (part) =>
          this.db
            .prepare(
              `SELECT r.*, p.config_json, p.model_summary_json, p.phase_times_json, p.phase_params_json FROM runs r JOIN run_payloads p ON p.run_id = r.id
               WHERE r.id IN (${placeholders(part.length)})`,
            )
            .all(...part) as DetailRow[],
      ).map((r) => [r.id, r]),
    )
    const missing = ids.filter((id) => !rows.has(id))
    if (missing.length > 0) throw new ContractError('not_found', `run ${missing.join(', ')} not found`)
    const tags = this.tags(ids)
    const epochs = this.epochs(ids)
    const points = this.pointReader.read(ids)
    const artifacts = this.artifacts(ids)
    const evaluations = new Map(
      chunked(
        ids,
        (part) =>
          this.db
            .prepare(`SELECT run_id, evaluation_json FROM evaluations WHERE run_id IN (${placeholders(part.length)})`)
            .all(...part) as Array<{
            run_id: string
            evaluation_json: string
          }>,
      ).map((e) => [e.run_id, e.evaluation_json]),
    )
    return ids.map((id) =>
      toDetail(rows.get(id)!, {
        tags: tags.get(id) ?? [],
        epochs: epochs.get(id) ?? [],
        batchPoints: points.get(id) ?? [],
        evaluationJson: evaluations.get(id) ?? null,
        artifacts: artifacts.get(id) ?? [],
      }),
    )
  }
}

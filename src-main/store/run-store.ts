import { randomBytes } from 'node:crypto'
import { dirname } from 'node:path'
import { z } from 'zod'
import { ContractError, issuesOf, RunBundle, RunListQuery, type Preset } from '@shared/contract'
import { type BackendName, ExperimentConfig } from '@shared/domain/config'
import type { BaseModelInfo } from '@shared/domain/model'
import type { DatasetInfo } from '@shared/domain/dataset'
import {
  Artifact,
  BatchPoint,
  EpochMetric,
  Evaluation,
  ModelSummary,
  type RunDetail,
  type RunGroup,
  type RunStatus,
  type RunSummary,
} from '@shared/domain/run'
import { configHash } from './config-hash'
import { openDatabase, type Db } from './database'
import { bucketOf, downsample, keepExtremes, strideFor } from './downsample'
import { epochsFromCsv, epochsToCsv } from './epoch-csv'
import { BatchPointReader } from './batch-point-reader'
import { buildGroups, type GroupMember } from './groups'
import { deleteRunFiles, artifactExists } from './run-files'
import { Registries } from './registries'
import {
  toArtifact,
  toBatchPoint,
  toDetail,
  toEpoch,
  toSummary,
  type ArtifactRow,
  type BatchRow,
  type DetailRow,
  type EpochRow,
  type RunRow,
} from './rows'
import packageJson from '../../package.json'

export { StoreOpenError } from './database'
export { MAX_STORED_POINTS } from './downsample'
export { runDirectory } from './run-files'

/** What the engine knows once a run's data and model are ready (recorded by startRun). */
export interface RunStartInfo {
  backend: BackendName
  device: string | null
  tfjsVersion: string | null
  appVersion: string
  datasetHash: string | null
  sizes: { train: number; validation: number; test: number }
  modelSummary: ModelSummary
  modelSizeBytes: number | null
}

export type FinishStatus = 'completed' | 'failed' | 'cancelled'

export interface RunListResult {
  total: number
  items: RunSummary[]
}

export interface RunStoreOptions {
  /** Artifact paths are relative to it; defaults to the database file's folder. */
  dataDir?: string
  /** Written into export bundles; defaults to package.json's version. */
  appVersion?: string
}

/** The run history. Every method is synchronous (better-sqlite3) and throws ContractError. */
export interface RunStore {
  readonly file: string
  readonly dataDir: string
  /** Schema version found on disk before this open migrated it (0: new file). */
  readonly previousVersion: number
  /** Copy of the database made before migrating, or null. */
  readonly backupFile: string | null

  createRun(input: { config: ExperimentConfig; name?: string }): RunSummary
  startRun(id: string, info: RunStartInfo): RunSummary
  /** Commits one epoch in its own transaction (replaces an epoch of the same number on resume). */
  appendEpoch(id: string, metric: EpochMetric): void
  /** Stores batch points downsampled: at most MAX_STORED_POINTS per run, extremes kept. */
  appendBatchPoints(id: string, points: BatchPoint[]): void
  setPhaseTime(id: string, phase: string, ms: number): void
  saveEvaluation(id: string, evaluation: Evaluation): void
  addArtifact(id: string, artifact: Artifact): void
  finishRun(id: string, status: FinishStatus, failureMessage?: string | null): RunSummary
  /** interrupted/cancelled → queued; epochs are kept so training can resume. */
  requeueRun(id: string): RunSummary
  /** Every `running` run whose owning process is gone → `interrupted`; returns their ids. */
  markInterruptedRuns(): string[]

  getRun(id: string): RunDetail
  getSummary(id: string): RunSummary
  listRuns(query?: RunListQuery): RunListResult
  /** Several runs in full, in the order asked, from one snapshot. */
  compareRuns(ids: string[]): RunDetail[]
  groupRuns(ids?: string[]): RunGroup[]
  tagRun(id: string, change: { add?: string[]; remove?: string[] }): RunSummary
  noteRun(id: string, notes: string): RunSummary
  renameRun(id: string, name: string): RunSummary
  /** Deletes runs, their rows and their artifact files; returns how many runs were deleted. */
  deleteRuns(ids: string[]): number
  exportRuns(ids: string[]): RunBundle
  importBundle(bundle: RunBundle): { imported: string[]; skipped: string[] }

  putDataset(info: DatasetInfo): void
  listDatasets(): DatasetInfo[]
  getDataset(id: string): DatasetInfo | null
  deleteDataset(id: string): boolean
  putBaseModel(info: BaseModelInfo): void
  listBaseModels(): BaseModelInfo[]
  getBaseModel(id: string): BaseModelInfo | null
  deleteBaseModel(id: string): boolean
  putPreset(preset: Preset): void
  listPresets(): Preset[]
  deletePreset(id: string): boolean

  close(): void
}

/** Opens the run history at `file` (created if missing, migrated if older). */
export function openRunStore(file: string, opts: RunStoreOptions = {}): RunStore {
  const opened = openDatabase(file)
  return new SqliteRunStore(file, opened.db, opened.previousVersion, opened.backupFile, opts)
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

function validate<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new ContractError('invalid_input', `invalid ${what}`, issuesOf(parsed.error))
  return parsed.data
}

function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
  return `${stamp}-${randomBytes(3).toString('hex')}`
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}

function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(',')
}

function msBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null
  const ms = Date.parse(to) - Date.parse(from)
  return Number.isFinite(ms) && ms >= 0 ? ms : null
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

class SqliteRunStore implements RunStore {
  readonly dataDir: string
  private readonly appVersion: string
  private readonly registries: Registries
  private readonly pointReader: BatchPointReader

  constructor(
    readonly file: string,
    private readonly db: Db,
    readonly previousVersion: number,
    readonly backupFile: string | null,
    opts: RunStoreOptions,
  ) {
    this.dataDir = opts.dataDir ?? dirname(file)
    this.appVersion = opts.appVersion ?? packageJson.version
    this.registries = new Registries(db)
    this.pointReader = new BatchPointReader(db)
  }

  // ------------------------------------------------------------------ lifecycle of a run

  createRun(input: { config: ExperimentConfig; name?: string }): RunSummary {
    const config = validate(ExperimentConfig, input.config, 'experiment config')
    const name = (input.name ?? config.name).trim() || config.name
    const now = new Date()
    const id = newRunId(now)
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO runs (id, name, status, model_kind, base_id, dataset_id, config_hash, seed, created_at, app_version)
           VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          id,
          name,
          config.model.kind,
          config.model.kind === 'transfer' ? config.model.baseId : null,
          config.data.datasetId,
          configHash(config),
          config.training.seed,
          now.toISOString(),
          this.appVersion,
        )
      this.db.prepare('INSERT INTO run_payloads (run_id, config_json) VALUES (?, ?)').run(id, JSON.stringify(config))
    })()
    return this.getSummary(id)
  }

  startRun(id: string, info: RunStartInfo): RunSummary {
    const summary = validate(ModelSummary, info.modelSummary, `model summary of run ${id}`)
    const now = new Date().toISOString()
    this.db.transaction(() => {
      const row = this.row(id)
      if (row.status !== 'queued') throw new ContractError('conflict', `run ${id} is ${row.status}; only a queued run can start`)
      this.db.prepare('UPDATE run_payloads SET model_summary_json = ? WHERE run_id = ?').run(JSON.stringify(summary), id)
      this.db
        .prepare(
          `UPDATE runs SET status = 'running', started_at = COALESCE(started_at, @now), last_started_at = @now,
           last_heartbeat_at = @now, owner_pid = @pid, failure_message = NULL, finished_at = NULL,
           backend = @backend, device = @device, tfjs_version = @tfjsVersion, app_version = @appVersion,
           dataset_hash = @datasetHash, train_size = @train, validation_size = @validation, test_size = @test,
           total_params = @total, trainable_params = @trainable,
           non_trainable_params = @nonTrainable, model_size_bytes = @sizeBytes
         WHERE id = @id`,
        )
        .run({
          id,
          now,
          pid: process.pid,
          backend: info.backend,
          device: info.device,
          tfjsVersion: info.tfjsVersion,
          appVersion: info.appVersion,
          datasetHash: info.datasetHash,
          train: info.sizes.train,
          validation: info.sizes.validation,
          test: info.sizes.test,
          total: summary.totalParams,
          trainable: summary.trainableParams,
          nonTrainable: summary.nonTrainableParams,
          sizeBytes: info.modelSizeBytes,
        })
    })()
    return this.getSummary(id)
  }

  appendEpoch(id: string, metric: EpochMetric): void {
    const e = validate(EpochMetric, metric, `epoch metric of run ${id}`)
    this.db.transaction(() => {
      this.requireRunning(id, 'record an epoch')
      this.db
        .prepare(
          `INSERT OR REPLACE INTO epochs (run_id, epoch, phase, loss, accuracy, val_loss, val_accuracy, learning_rate, duration_ms, images_per_second)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(id, e.epoch, e.phase, e.loss, e.accuracy, e.valLoss, e.valAccuracy, e.learningRate, e.durationMs, e.imagesPerSecond)
      this.refreshEpochAggregates(id)
    })()
  }

  appendBatchPoints(id: string, points: BatchPoint[]): void {
    if (points.length === 0) return
    const incoming = validate(z.array(BatchPoint), points, `batch points of run ${id}`)
    this.db.transaction(() => {
      const row = this.requireRunning(id, 'record batch points')
      const maxStep = incoming.reduce((m, p) => Math.max(m, p.step), 0)
      const stride = strideFor(maxStep, row.batch_stride)
      const insert = this.db.prepare(
        'INSERT OR REPLACE INTO batch_points (run_id, step, phase, epoch, loss, accuracy) VALUES (?, ?, ?, ?, ?, ?)',
      )
      const write = (list: BatchPoint[]) => {
        for (const p of list) insert.run(id, p.step, p.phase, p.epoch, p.loss, p.accuracy)
      }
      if (stride !== row.batch_stride) {
        // The run outgrew its buckets: widen them and re-bucket everything stored so far.
        const merged = new Map<number, BatchPoint>()
        for (const p of this.batchPoints([id]).get(id) ?? []) merged.set(p.step, p)
        for (const p of incoming) merged.set(p.step, p)
        this.db.prepare('DELETE FROM batch_points WHERE run_id = ?').run(id)
        write(downsample([...merged.values()], stride))
        this.db.prepare('UPDATE runs SET batch_stride = ? WHERE id = ?').run(stride, id)
        return
      }
      const byBucket = new Map<number, BatchPoint[]>()
      for (const p of incoming) {
        const b = bucketOf(p.step, stride)
        const list = byBucket.get(b)
        if (list) list.push(p)
        else byBucket.set(b, [p])
      }
      const select = this.db.prepare(
        'SELECT run_id, step, phase, epoch, loss, accuracy FROM batch_points WHERE run_id = ? AND step BETWEEN ? AND ?',
      )
      const remove = this.db.prepare('DELETE FROM batch_points WHERE run_id = ? AND step BETWEEN ? AND ?')
      for (const [bucket, fresh] of byBucket) {
        const lo = bucket * stride + 1
        const hi = (bucket + 1) * stride
        const existing = (select.all(id, lo, hi) as BatchRow[]).map(toBatchPoint)
        const merged = new Map<number, BatchPoint>()
        for (const p of existing) merged.set(p.step, p)
        for (const p of fresh) merged.set(p.step, p)
        const kept = keepExtremes([...merged.values()])
        if (kept.length < merged.size) remove.run(id, lo, hi)
        write(kept.length < merged.size ? kept : fresh)
      }
    })()
  }

  setPhaseTime(id: string, phase: string, ms: number): void {
    if (!phase || !Number.isFinite(ms) || ms < 0) {
      throw new ContractError(
        'invalid_input',
        `phase time of run ${id}: give a phase name and a duration ≥ 0 ms (got ${phase}=${ms})`,
      )
    }
    this.row(id)
    this.db.transaction(() => {
      this.db
        .prepare(
          "UPDATE run_payloads SET phase_times_json = json_set(phase_times_json, '$.' || json_quote(?), ?) WHERE run_id = ?",
        )
        .run(phase, ms, id)
      this.db.prepare('UPDATE runs SET last_heartbeat_at = ? WHERE id = ?').run(new Date().toISOString(), id)
    })()
  }

  saveEvaluation(id: string, evaluation: Evaluation): void {
    const ev = validate(Evaluation, evaluation, `evaluation of run ${id}`)
    this.db.transaction(() => {
      this.row(id)
      this.db
        .prepare(
          'INSERT OR REPLACE INTO evaluations (run_id, test_loss, accuracy, evaluation_json, created_at) VALUES (?, ?, ?, ?, ?)',
        )
        .run(id, ev.testLoss, ev.accuracy, JSON.stringify(ev), new Date().toISOString())
      this.db.prepare('UPDATE runs SET test_accuracy = ? WHERE id = ?').run(ev.accuracy, id)
    })()
  }

  addArtifact(id: string, artifact: Artifact): void {
    const a = validate(Artifact, artifact, `artifact of run ${id}`)
    if (a.path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(a.path) || a.path.split(/[\\/]/).includes('..')) {
      throw new ContractError('invalid_input', `artifact path "${a.path}" of run ${id} must be relative to the data directory`)
    }
    this.row(id)
    this.db
      .prepare(
        `INSERT INTO artifacts (run_id, kind, path, size_bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, path) DO UPDATE SET kind = excluded.kind, size_bytes = excluded.size_bytes,
           sha256 = excluded.sha256, created_at = excluded.created_at`,
      )
      .run(id, a.kind, a.path, a.sizeBytes, a.sha256, a.createdAt)
  }

  finishRun(id: string, status: FinishStatus, failureMessage: string | null = null): RunSummary {
    validate(z.enum(['completed', 'failed', 'cancelled']), status, `final status of run ${id}`)
    const row = this.row(id)
    if (row.status !== 'running' && row.status !== 'queued') {
      throw new ContractError('conflict', `run ${id} is already ${row.status}`)
    }
    const now = new Date().toISOString()
    const attempt = msBetween(row.last_started_at, now)
    const wall = attempt === null ? row.wall_time_ms : (row.wall_time_ms ?? 0) + attempt
    this.db
      .prepare(
        `UPDATE runs SET status = ?, failure_message = ?, finished_at = ?, wall_time_ms = ?, owner_pid = NULL,
           last_started_at = NULL WHERE id = ?`,
      )
      .run(status, status === 'completed' ? null : failureMessage, now, wall, id)
    return this.getSummary(id)
  }

  requeueRun(id: string): RunSummary {
    const row = this.row(id)
    if (row.status !== 'interrupted' && row.status !== 'cancelled') {
      throw new ContractError('conflict', `run ${id} is ${row.status}; only an interrupted or cancelled run can be resumed`)
    }
    this.db
      .prepare(`UPDATE runs SET status = 'queued', failure_message = NULL, finished_at = NULL, owner_pid = NULL WHERE id = ?`)
      .run(id)
    return this.getSummary(id)
  }

  markInterruptedRuns(): string[] {
    const running = this.db
      .prepare("SELECT id, owner_pid, last_started_at, last_heartbeat_at, wall_time_ms FROM runs WHERE status = 'running'")
      .all() as Array<Pick<RunRow, 'id' | 'owner_pid' | 'last_started_at' | 'last_heartbeat_at' | 'wall_time_ms'>>
    const orphans = running.filter((r) => r.owner_pid === null || !processAlive(r.owner_pid))
    const mark = this.db.prepare(
      `UPDATE runs SET status = 'interrupted', owner_pid = NULL, last_started_at = NULL, wall_time_ms = ?,
         failure_message = 'the process recording this run stopped before it finished' WHERE id = ? AND status = 'running'`,
    )
    this.db.transaction(() => {
      for (const r of orphans) {
        const attempt = msBetween(r.last_started_at, r.last_heartbeat_at)
        mark.run(attempt === null ? r.wall_time_ms : (r.wall_time_ms ?? 0) + attempt, r.id)
      }
    })()
    return orphans.map((r) => r.id)
  }

  // ------------------------------------------------------------------ queries

  getRun(id: string): RunDetail {
    return this.details([id])[0]!
  }

  getSummary(id: string): RunSummary {
    return toSummary(this.row(id), this.tags([id]).get(id) ?? [])
  }

  listRuns(query: RunListQuery = {}): RunListResult {
    const q = validate(RunListQuery, query, 'run list query')
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

  compareRuns(ids: string[]): RunDetail[] {
    return this.details(ids)
  }

  groupRuns(ids?: string[]): RunGroup[] {
    type GroupRow = RunRow & { config_name: string | null }
    const select = `SELECT r.*, json_extract(p.config_json, '$.name') AS config_name FROM runs r JOIN run_payloads p ON p.run_id = r.id`
    const rows =
      ids === undefined
        ? (this.db.prepare(select).all() as GroupRow[])
        : this.chunked(
            ids,
            (part) => this.db.prepare(`${select} WHERE r.id IN (${placeholders(part.length)})`).all(...part) as GroupRow[],
          )
    const completedIds = rows.filter((r) => r.status === 'completed').map((r) => r.id)
    const epochs = this.epochs(completedIds)
    const evals = new Map<string, { testLoss: number; macroF1: number }>()
    for (const e of this.chunked(
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
      const configName = r.config_name ?? r.name
      const ev = evals.get(r.id)
      return {
        id: r.id,
        name: configName,
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

  // ------------------------------------------------------------------ edits

  tagRun(id: string, change: { add?: string[]; remove?: string[] }): RunSummary {
    const add = (change.add ?? []).map((t) => t.trim()).filter((t) => t.length > 0)
    for (const t of add) {
      if (t.length > 50) throw new ContractError('invalid_input', `tag "${t.slice(0, 20)}…" is longer than 50 characters`)
    }
    this.db.transaction(() => {
      this.row(id)
      const insert = this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)')
      const remove = this.db.prepare('DELETE FROM run_tags WHERE run_id = ? AND tag = ?')
      for (const t of change.remove ?? []) remove.run(id, t.trim())
      for (const t of add) insert.run(id, t)
    })()
    return this.getSummary(id)
  }

  noteRun(id: string, notes: string): RunSummary {
    this.row(id)
    this.db.prepare('UPDATE runs SET notes = ? WHERE id = ?').run(notes, id)
    return this.getSummary(id)
  }

  renameRun(id: string, name: string): RunSummary {
    const trimmed = name.trim()
    if (!trimmed) throw new ContractError('invalid_input', `give run ${id} a non-empty name`)
    this.row(id)
    this.db.prepare('UPDATE runs SET name = ? WHERE id = ?').run(trimmed, id)
    return this.getSummary(id)
  }

  deleteRuns(ids: string[]): number {
    const unique = [...new Set(ids)]
    const rows = this.chunked(
      unique,
      (part) =>
        this.db
          .prepare(`SELECT id, status, owner_pid FROM runs WHERE id IN (${placeholders(part.length)})`)
          .all(...part) as Array<Pick<RunRow, 'id' | 'status' | 'owner_pid'>>,
    )
    const found = new Set(rows.map((r) => r.id))
    const missing = unique.filter((id) => !found.has(id))
    if (missing.length > 0) throw new ContractError('not_found', `run ${missing.join(', ')} not found`)
    const live = rows.filter((r) => r.status === 'running')
    if (live.length > 0) {
      throw new ContractError('conflict', `run ${live.map((r) => r.id).join(', ')} is running; cancel it before deleting`)
    }
    const artifacts = this.artifacts(unique)
    this.db.transaction(() => {
      const del = this.db.prepare('DELETE FROM runs WHERE id = ?')
      for (const id of unique) del.run(id)
    })()
    // Files go after the rows are gone: a crash in between leaves orphan files, never dangling rows.
    for (const id of unique)
      deleteRunFiles(
        this.dataDir,
        id,
        (artifacts.get(id) ?? []).map((a) => a.path),
      )
    return unique.length
  }

  // ------------------------------------------------------------------ bundles

  exportRuns(ids: string[]): RunBundle {
    const runs = this.details([...new Set(ids)])
    return {
      format: 'cifar-workbench-runs',
      version: 1,
      exportedAt: new Date().toISOString(),
      appVersion: this.appVersion,
      runs,
      epochCsv: Object.fromEntries(runs.map((r) => [r.id, epochsToCsv(r.epochs)])),
    }
  }

  importBundle(input: RunBundle): { imported: string[]; skipped: string[] } {
    const bundle = validate(RunBundle, input, 'run bundle')
    const imported: string[] = []
    const skipped: string[] = []
    const exists = this.db.prepare('SELECT 1 FROM runs WHERE id = ?')
    // Validate everything first so a bad run aborts the import before anything is written.
    for (const run of bundle.runs) {
      const csv = bundle.epochCsv[run.id]
      if (csv === undefined) continue
      const fromCsv = epochsFromCsv(csv, `epoch CSV of run ${run.id}`)
      const same =
        fromCsv.length === run.epochs.length &&
        fromCsv.every((e, i) => e.epoch === run.epochs[i]!.epoch && e.phase === run.epochs[i]!.phase)
      if (!same) {
        throw new ContractError(
          'invalid_input',
          `run ${run.id}: the epoch CSV (${fromCsv.length} rows) does not match the manifest (${run.epochs.length} epochs)`,
        )
      }
    }
    this.db.transaction(() => {
      const seen = new Set<string>()
      for (const run of bundle.runs) {
        if (seen.has(run.id) || exists.get(run.id)) {
          skipped.push(run.id)
          continue
        }
        seen.add(run.id)
        this.insertDetail(run)
        imported.push(run.id)
      }
    })()
    return { imported, skipped }
  }

  // ------------------------------------------------------------------ registries

  putDataset(info: DatasetInfo): void {
    this.registries.putDataset(info)
  }
  listDatasets(): DatasetInfo[] {
    return this.registries.listDatasets()
  }
  getDataset(id: string): DatasetInfo | null {
    return this.registries.getDataset(id)
  }
  deleteDataset(id: string): boolean {
    return this.registries.deleteDataset(id)
  }
  putBaseModel(info: BaseModelInfo): void {
    this.registries.putBaseModel(info)
  }
  listBaseModels(): BaseModelInfo[] {
    return this.registries.listBaseModels()
  }
  getBaseModel(id: string): BaseModelInfo | null {
    return this.registries.getBaseModel(id)
  }
  deleteBaseModel(id: string): boolean {
    return this.registries.deleteBaseModel(id)
  }
  putPreset(preset: Preset): void {
    this.registries.putPreset(preset)
  }
  listPresets(): Preset[] {
    return this.registries.listPresets()
  }
  deletePreset(id: string): boolean {
    return this.registries.deletePreset(id)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  // ------------------------------------------------------------------ internals

  private row(id: string): RunRow {
    const row = this.db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined
    if (!row) throw new ContractError('not_found', `run ${id} not found`)
    return row
  }

  private requireRunning(id: string, what: string): RunRow {
    const row = this.row(id)
    if (row.status !== 'running') throw new ContractError('conflict', `cannot ${what}: run ${id} is ${row.status}, not running`)
    return row
  }

  /** Recomputes the denormalised summary columns (final/best metrics) from the run's epochs. */
  private refreshEpochAggregates(id: string): void {
    const agg = this.db.prepare('SELECT count(*) AS n, avg(images_per_second) AS ips FROM epochs WHERE run_id = ?').get(id) as {
      n: number
      ips: number | null
    }
    const last = this.db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch DESC LIMIT 1').get(id) as
      EpochRow | undefined
    const best = this.db
      .prepare(
        'SELECT epoch, val_accuracy FROM epochs WHERE run_id = ? AND val_accuracy IS NOT NULL ORDER BY val_accuracy DESC, epoch ASC LIMIT 1',
      )
      .get(id) as { epoch: number; val_accuracy: number } | undefined
    this.db
      .prepare(
        `UPDATE runs SET epochs_done = ?, final_loss = ?, final_accuracy = ?, final_val_loss = ?, final_val_accuracy = ?,
           best_val_accuracy = ?, best_epoch = ?, images_per_second = ?, last_heartbeat_at = ? WHERE id = ?`,
      )
      .run(
        agg.n,
        last?.loss ?? null,
        last?.accuracy ?? null,
        last?.val_loss ?? null,
        last?.val_accuracy ?? null,
        best?.val_accuracy ?? null,
        best?.epoch ?? null,
        agg.ips,
        new Date().toISOString(),
        id,
      )
  }

  /** Runs `fn` on slices of `ids` small enough for SQLite's parameter limit and concatenates. */
  private chunked<T>(ids: readonly string[], fn: (part: string[]) => T[]): T[] {
    const out: T[] = []
    for (let i = 0; i < ids.length; i += 500) out.push(...fn(ids.slice(i, i + 500)))
    return out
  }

  private grouped<R extends { run_id: string }, T>(
    ids: readonly string[],
    sql: (ph: string) => string,
    map: (row: R) => T,
  ): Map<string, T[]> {
    const out = new Map<string, T[]>()
    const rows = this.chunked(ids, (part) => this.db.prepare(sql(placeholders(part.length))).all(...part) as R[])
    for (const row of rows) {
      const list = out.get(row.run_id)
      if (list) list.push(map(row))
      else out.set(row.run_id, [map(row)])
    }
    return out
  }

  private tags(ids: readonly string[]): Map<string, string[]> {
    return this.grouped<{ run_id: string; tag: string }, string>(
      ids,
      (ph) => `SELECT run_id, tag FROM run_tags WHERE run_id IN (${ph}) ORDER BY tag`,
      (r) => r.tag,
    )
  }

  private epochs(ids: readonly string[]): Map<string, EpochMetric[]> {
    return this.grouped<EpochRow, EpochMetric>(
      ids,
      (ph) => `SELECT * FROM epochs WHERE run_id IN (${ph}) ORDER BY run_id, epoch`,
      toEpoch,
    )
  }

  private batchPoints(ids: readonly string[]): Map<string, BatchPoint[]> {
    return this.pointReader.read(ids)
  }

  private artifacts(ids: readonly string[]): Map<string, Artifact[]> {
    return this.grouped<ArtifactRow, Artifact>(
      ids,
      (ph) =>
        `SELECT run_id, kind, path, size_bytes, sha256, created_at FROM artifacts WHERE run_id IN (${ph}) ORDER BY run_id, id`,
      toArtifact,
    )
  }

  /**
   * Full records for `ids` in the order given, read in one transaction so every table comes from the
   * same snapshot; one query per table whatever the count (batch points: a few per run, see BatchPointReader).
   */
  private details(ids: readonly string[]): RunDetail[] {
    return this.db.transaction(() => this.readDetails(ids))()
  }

  private readDetails(ids: readonly string[]): RunDetail[] {
    const rows = new Map(
      this.chunked(
        ids,
        (part) =>
          this.db
            .prepare(
              `SELECT r.*, p.config_json, p.model_summary_json, p.phase_times_json FROM runs r JOIN run_payloads p ON p.run_id = r.id
               WHERE r.id IN (${placeholders(part.length)})`,
            )
            .all(...part) as DetailRow[],
      ).map((r) => [r.id, r]),
    )
    const missing = ids.filter((id) => !rows.has(id))
    if (missing.length > 0) throw new ContractError('not_found', `run ${missing.join(', ')} not found`)
    const tags = this.tags(ids)
    const epochs = this.epochs(ids)
    const points = this.batchPoints(ids)
    const artifacts = this.artifacts(ids)
    const evaluations = new Map(
      this.chunked(
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

  /** Writes an imported run; nothing imported looks alive (running → interrupted, queued → cancelled). */
  private insertDetail(run: RunDetail): void {
    const status: RunStatus = run.status === 'running' ? 'interrupted' : run.status === 'queued' ? 'cancelled' : run.status
    this.db
      .prepare(
        `INSERT INTO runs (id, name, status, model_kind, base_id, dataset_id, config_hash, seed, notes, failure_message,
           created_at, started_at, finished_at, wall_time_ms, backend, device, app_version, tfjs_version,
           dataset_hash, train_size, validation_size, test_size, total_params, trainable_params,
           non_trainable_params, model_size_bytes, test_accuracy)
         VALUES (@id, @name, @status, @modelKind, @baseId, @datasetId, @configHash, @seed, @notes, @failureMessage,
           @createdAt, @startedAt, @finishedAt, @wallTimeMs, @backend, @device, @appVersion, @tfjsVersion,
           @datasetHash, @train, @validation, @test, @totalParams, @trainableParams, @nonTrainableParams,
           @modelSizeBytes, @testAccuracy)`,
      )
      .run({
        id: run.id,
        name: run.name,
        status,
        modelKind: run.config.model.kind,
        baseId: run.config.model.kind === 'transfer' ? run.config.model.baseId : null,
        datasetId: run.config.data.datasetId,
        configHash: configHash(run.config),
        seed: run.seed,
        notes: run.notes,
        failureMessage: run.failureMessage,
        createdAt: run.createdAt,
        startedAt: run.startedAt,
        finishedAt: run.finishedAt,
        wallTimeMs: run.wallTimeMs,
        backend: run.backend,
        device: run.device,
        appVersion: run.appVersion,
        tfjsVersion: run.tfjsVersion,
        datasetHash: run.datasetHash,
        train: run.sizes?.train ?? null,
        validation: run.sizes?.validation ?? null,
        test: run.sizes?.test ?? null,
        totalParams: run.modelSummary?.totalParams ?? run.totalParams,
        trainableParams: run.modelSummary?.trainableParams ?? run.trainableParams,
        nonTrainableParams: run.modelSummary?.nonTrainableParams ?? run.nonTrainableParams,
        modelSizeBytes: run.modelSizeBytes,
        testAccuracy: run.evaluation?.accuracy ?? run.testAccuracy,
      })
    this.db
      .prepare('INSERT INTO run_payloads (run_id, config_json, model_summary_json, phase_times_json) VALUES (?, ?, ?, ?)')
      .run(
        run.id,
        JSON.stringify(run.config),
        run.modelSummary ? JSON.stringify(run.modelSummary) : null,
        JSON.stringify(run.phaseTimes),
      )
    const tag = this.db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)')
    for (const t of run.tags) tag.run(run.id, t)
    const epoch = this.db.prepare(
      `INSERT OR REPLACE INTO epochs (run_id, epoch, phase, loss, accuracy, val_loss, val_accuracy, learning_rate, duration_ms, images_per_second)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    for (const e of run.epochs) {
      epoch.run(
        run.id,
        e.epoch,
        e.phase,
        e.loss,
        e.accuracy,
        e.valLoss,
        e.valAccuracy,
        e.learningRate,
        e.durationMs,
        e.imagesPerSecond,
      )
    }
    const maxStep = run.batchPoints.reduce((m, p) => Math.max(m, p.step), 0)
    const stride = strideFor(maxStep, 1)
    const point = this.db.prepare(
      'INSERT OR REPLACE INTO batch_points (run_id, step, phase, epoch, loss, accuracy) VALUES (?, ?, ?, ?, ?, ?)',
    )
    for (const p of downsample(run.batchPoints, stride)) point.run(run.id, p.step, p.phase, p.epoch, p.loss, p.accuracy)
    this.db.prepare('UPDATE runs SET batch_stride = ? WHERE id = ?').run(stride, run.id)
    if (run.evaluation) {
      this.db
        .prepare('INSERT INTO evaluations (run_id, test_loss, accuracy, evaluation_json, created_at) VALUES (?, ?, ?, ?, ?)')
        .run(
          run.id,
          run.evaluation.testLoss,
          run.evaluation.accuracy,
          JSON.stringify(run.evaluation),
          run.finishedAt ?? run.createdAt,
        )
    }
    // Bundles carry records, not files: only artifacts already present in this data directory are kept.
    const artifact = this.db.prepare(
      'INSERT OR IGNORE INTO artifacts (run_id, kind, path, size_bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    )
    for (const a of run.artifacts) {
      if (artifactExists(this.dataDir, a.path)) artifact.run(run.id, a.kind, a.path, a.sizeBytes, a.sha256, a.createdAt)
    }
    this.refreshEpochAggregates(run.id)
  }
}

import { randomBytes } from 'node:crypto'
import { z } from 'zod'
import { ContractError, type RunListQuery, type SizedTransferRun } from '@shared/contract'
import { type BackendName, ExperimentConfig } from '@shared/domain/config'
import {
  Artifact,
  BatchPoint,
  EpochMetric,
  Evaluation,
  isResumable,
  ModelSummary,
  PhaseParams,
  type RunDetail,
  type RunGroup,
  type RunSummary,
} from '@shared/domain/run'
import type { BatchPointReader } from './batch-point-reader'
import { configHash } from './config-hash'
import type { Db } from './database'
import { chunked, placeholders } from './id-lists'
import { markInterrupted, msBetween } from './interrupted-runs'
import { deleteRunFiles } from './run-files'
import { RunQueries, type RunListResult } from './run-queries'
import type { RunRowWriter } from './run-row-writer'
import type { RunRow } from './rows'
import { checkInput } from './schema-check'

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

/**
 * The tracking store (MLflow's term): each run's lifecycle as training records it, the queries the
 * History and Compare views make, and the user's edits. Every method is synchronous (better-sqlite3)
 * and throws ContractError.
 */
export interface RunStore {
  createRun(input: { config: ExperimentConfig; name?: string }): RunSummary
  startRun(id: string, info: RunStartInfo): RunSummary
  /** Commits one epoch in its own transaction (replaces an epoch of the same number on resume). */
  appendEpoch(id: string, metric: EpochMetric): void
  /** Stores batch points downsampled: at most MAX_STORED_POINTS per run, extremes kept. */
  appendBatchPoints(id: string, points: BatchPoint[]): void
  setPhaseTime(id: string, phase: string, ms: number): void
  setPhaseParams(id: string, params: PhaseParams): void
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
  sizedRuns(baseId: string, datasetId?: string): SizedTransferRun[]

  tagRun(id: string, change: { add?: string[]; remove?: string[] }): RunSummary
  noteRun(id: string, notes: string): RunSummary
  renameRun(id: string, name: string): RunSummary
  /** Deletes runs, their rows and their artifact files; returns how many runs were deleted. */
  deleteRuns(ids: string[]): number
}

function newRunId(now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
  return `${stamp}-${randomBytes(3).toString('hex')}`
}

export class SqliteRunStore extends RunQueries implements RunStore {
  constructor(
    db: Db,
    pointReader: BatchPointReader,
    private readonly writer: RunRowWriter,
    /** Artifact paths are relative to it. */
    private readonly dataDir: string,
    /** Recorded on every run created here. */
    private readonly appVersion: string,
  ) {
    super(db, pointReader)
  }

  // ------------------------------------------------------------------ lifecycle of a run

  createRun(input: { config: ExperimentConfig; name?: string }): RunSummary {
    const config = checkInput(ExperimentConfig, input.config, 'experiment config')
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
    const summary = checkInput(ModelSummary, info.modelSummary, `model summary of run ${id}`)
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
    const e = checkInput(EpochMetric, metric, `epoch metric of run ${id}`)
    this.db.transaction(() => {
      this.requireRunning(id, 'record an epoch')
      this.writer.epoch(id, e)
      this.writer.refreshEpochAggregates(id)
    })()
  }

  appendBatchPoints(id: string, points: BatchPoint[]): void {
    if (points.length === 0) return
    const incoming = checkInput(z.array(BatchPoint), points, `batch points of run ${id}`)
    this.db.transaction(() => {
      const row = this.requireRunning(id, 'record batch points')
      this.writer.batchPoints(id, incoming, row.batch_stride)
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

  /** Records a phase's parameter counts, replacing those of the same phase (a resumed run counts again). */
  setPhaseParams(id: string, params: PhaseParams): void {
    const p = checkInput(PhaseParams, params, `phase parameters of run ${id}`)
    this.db.transaction(() => {
      this.row(id)
      const stored = this.db.prepare('SELECT phase_params_json AS json FROM run_payloads WHERE run_id = ?').get(id) as {
        json: string
      }
      const list = (JSON.parse(stored.json) as PhaseParams[]).filter((q) => q.phase !== p.phase)
      const order = ['train', 'finetune']
      const next = [...list, p].sort((a, b) => order.indexOf(a.phase) - order.indexOf(b.phase))
      this.db.prepare('UPDATE run_payloads SET phase_params_json = ? WHERE run_id = ?').run(JSON.stringify(next), id)
    })()
  }

  saveEvaluation(id: string, evaluation: Evaluation): void {
    const ev = checkInput(Evaluation, evaluation, `evaluation of run ${id}`)
    this.db.transaction(() => {
      this.row(id)
      this.writer.evaluation(id, ev, new Date().toISOString())
    })()
  }

  addArtifact(id: string, artifact: Artifact): void {
    const a = checkInput(Artifact, artifact, `artifact of run ${id}`)
    if (a.path.startsWith('/') || /^[A-Za-z]:[\\/]/.test(a.path) || a.path.split(/[\\/]/).includes('..')) {
      throw new ContractError('invalid_input', `artifact path "${a.path}" of run ${id} must be relative to the data directory`)
    }
    this.row(id)
    this.writer.artifact(id, a)
  }

  finishRun(id: string, status: FinishStatus, failureMessage: string | null = null): RunSummary {
    checkInput(z.enum(['completed', 'failed', 'cancelled']), status, `final status of run ${id}`)
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
    if (!isResumable({ status: row.status, artifacts: this.artifacts([id]).get(id) ?? [] })) {
      throw new ContractError(
        'conflict',
        `run ${id} is ${row.status}; only an interrupted, cancelled or failed run with a checkpoint can be resumed`,
      )
    }
    this.db
      .prepare(`UPDATE runs SET status = 'queued', failure_message = NULL, finished_at = NULL, owner_pid = NULL WHERE id = ?`)
      .run(id)
    return this.getSummary(id)
  }

  markInterruptedRuns(): string[] {
    return markInterrupted(this.db)
  }

  // ------------------------------------------------------------------ edits

  tagRun(id: string, change: { add?: string[]; remove?: string[] }): RunSummary {
    const add = (change.add ?? []).map((t) => t.trim()).filter((t) => t.length > 0)
    for (const t of add) {
      if (t.length > 50) throw new ContractError('invalid_input', `tag "${t.slice(0, 20)}…" is longer than 50 characters`)
    }
    this.db.transaction(() => {
      this.row(id)
      this.writer.removeTags(
        id,
        (change.remove ?? []).map((t) => t.trim()),
      )
      this.writer.addTags(id, add)
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
    const rows = chunked(
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

  private requireRunning(id: string, what: string): RunRow {
    const row = this.row(id)
    if (row.status !== 'running') throw new ContractError('conflict', `cannot ${what}: run ${id} is ${row.status}, not running`)
    return row
  }
}

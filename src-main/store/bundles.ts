import { ContractError, RunBundle } from '@shared/contract'
import { mapDiskFull } from '../core/disk-full'
import type { RunDetail, RunStatus } from '@shared/domain/run'
import { configHash } from './config-hash'
import type { Db } from './database'
import { epochsFromCsv, epochsToCsv } from './epoch-csv'
import { artifactExists } from './run-files'
import type { RunRowWriter } from './run-row-writer'
import type { RunStore } from './run-store'
import { checkInput } from './schema-check'

export interface ImportResult {
  imported: string[]
  /** Ids already in this history (or repeated in the bundle): left as they were. */
  skipped: string[]
}

/**
 * Moving runs between installations: a bundle is the runs in full plus an epoch CSV per run. Import
 * writes each run's rows with the same RunRowWriter that records live runs.
 */
export class RunBundles {
  constructor(
    private readonly db: Db,
    private readonly runs: Pick<RunStore, 'compareRuns'>,
    private readonly writer: RunRowWriter,
    /** Imported artifacts are kept only when their file is present under it. */
    private readonly dataDir: string,
    /** Written into every bundle exported. */
    private readonly appVersion: string,
  ) {}

  exportRuns(ids: string[]): RunBundle {
    const runs = this.runs.compareRuns([...new Set(ids)])
    return {
      format: 'cifar-workbench-runs',
      version: 1,
      exportedAt: new Date().toISOString(),
      appVersion: this.appVersion,
      runs,
      epochCsv: Object.fromEntries(runs.map((r) => [r.id, epochsToCsv(r.epochs)])),
    }
  }

  importBundle(input: RunBundle): ImportResult {
    const bundle = checkInput(RunBundle, input, 'run bundle')
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
    try {
      this.db.transaction(() => {
        const seen = new Set<string>()
        for (const run of bundle.runs) {
          if (seen.has(run.id) || exists.get(run.id)) {
            skipped.push(run.id)
            continue
          }
          seen.add(run.id)
          this.insertRun(run)
          imported.push(run.id)
        }
      })()
    } catch (error) {
      // One transaction: a database that cannot grow (a full disk) rolls every run of the bundle back.
      throw mapDiskFull(error, this.dataDir)
    }
    return { imported, skipped }
  }

  /** Writes an imported run; nothing imported looks alive (running → interrupted, queued → cancelled). */
  private insertRun(run: RunDetail): void {
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
        testAccuracy: run.testAccuracy,
      })
    this.db
      .prepare(
        'INSERT INTO run_payloads (run_id, config_json, model_summary_json, phase_times_json, phase_params_json) VALUES (?, ?, ?, ?, ?)',
      )
      .run(
        run.id,
        JSON.stringify(run.config),
        run.modelSummary ? JSON.stringify(run.modelSummary) : null,
        JSON.stringify(run.phaseTimes),
        JSON.stringify(run.phaseParams),
      )
    this.writer.addTags(run.id, run.tags)
    for (const e of run.epochs) this.writer.epoch(run.id, e)
    this.writer.batchPoints(run.id, run.batchPoints, 1)
    if (run.evaluation) this.writer.evaluation(run.id, run.evaluation, run.finishedAt ?? run.createdAt)
    // Bundles carry records, not files: only artifacts already present in this data directory are kept.
    for (const a of run.artifacts) {
      if (artifactExists(this.dataDir, a.path)) this.writer.artifact(run.id, a)
    }
    this.writer.refreshEpochAggregates(run.id)
  }
}

import type { BackendName } from '@shared/domain/config'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'
import type { RunDetail } from '@shared/domain/run'
import { readPredictionsFile, type RunPredictions } from '../engine/evaluation/predictions'
import { ReevaluateMessage, type ReevaluateJob } from '../engine/evaluation/reevaluate'
import { startEngineWorker } from '../core/engine-worker'
import { resolveInside, runDirectory } from '../store/run-files'

/** What the predictions service reads of the run history (any store that has these). */
export interface PredictionsSource {
  getRun(id: string): RunDetail
  getDataset(id: string): DatasetInfo | null
  getBaseModel(id: string): BaseModelInfo | null
}

export interface PredictionsServiceOptions {
  dataDir: string
  store: PredictionsSource
  /** The backend a re-evaluation should use (as the training worker would). */
  preference?: () => { backend: BackendName | null; forcedBy: 'flag' | 'setting' | null }
}

export type PredictionsResult =
  { ok: true; predictions: RunPredictions; source: 'stored' | 'reevaluated' } | { ok: false; reason: string }

/**
 * A run's per-image test predictions: its predictions file, or, for a run finished before they were
 * kept (or whose file was removed), a re-evaluation of its saved model in a worker thread, which
 * writes the file so the next call reads it. Concurrent requests for one run share one worker.
 */
export class PredictionsService {
  private readonly pending = new Map<string, Promise<PredictionsResult>>()

  constructor(private readonly o: PredictionsServiceOptions) {}

  async get(runId: string): Promise<PredictionsResult> {
    const stored = await readPredictionsFile(runDirectory(this.o.dataDir, runId))
    if (stored) return { ok: true, predictions: stored, source: 'stored' }
    const running = this.pending.get(runId)
    if (running) return running
    const job = this.reevaluation(runId)
    const done = job.ok ? this.runWorker(runId, job.job) : Promise.resolve<PredictionsResult>({ ok: false, reason: job.reason })
    this.pending.set(runId, done)
    try {
      return await done
    } finally {
      this.pending.delete(runId)
    }
  }

  /** The job that predicts the run again, or why it cannot be predicted. */
  private reevaluation(runId: string): { ok: true; job: ReevaluateJob } | { ok: false; reason: string } {
    const { store, dataDir } = this.o
    const run = store.getRun(runId)
    if (run.status !== 'completed') return { ok: false, reason: `run ${runId} is ${run.status}, not completed` }
    const model = run.artifacts.find((a) => a.kind === 'model')
    const modelDir = model ? resolveInside(dataDir, model.path) : null
    if (!modelDir) return { ok: false, reason: `run ${runId} has no saved model to re-evaluate` }
    const dataset = store.getDataset(run.config.data.datasetId)
    if (!dataset) return { ok: false, reason: `dataset ${run.config.data.datasetId} of run ${runId} is no longer registered` }
    if (run.datasetHash && dataset.source.sha256 !== run.datasetHash) {
      return { ok: false, reason: `dataset ${dataset.id} changed since run ${runId} was trained` }
    }
    let preprocessing: ReevaluateJob['preprocessing'] = 'unit'
    if (run.config.model.kind === 'transfer') {
      const base = store.getBaseModel(run.config.model.baseId)
      if (!base)
        return {
          ok: false,
          reason: `base model ${run.config.model.baseId} of run ${runId} is no longer registered (its preprocessing is unknown)`,
        }
      preprocessing = base.preprocessing
    }
    const pref = this.o.preference?.() ?? { backend: null, forcedBy: null }
    const backend = run.config.backend ?? pref.backend
    return {
      ok: true,
      job: {
        runId,
        dataDir,
        modelDir,
        config: run.config,
        dataset,
        preprocessing,
        backend,
        backendForcedBy: run.config.backend ? 'config' : pref.backend ? pref.forcedBy : null,
      },
    }
  }

  private runWorker(runId: string, job: ReevaluateJob): Promise<PredictionsResult> {
    return new Promise((resolve) => {
      const worker = startEngineWorker('reevaluate-worker.js', 'src-main/engine/evaluation/reevaluate-worker.ts', job, {
        frame: { type: 'failed' },
        key: 'message',
        label: 're-evaluation worker',
      })
      let settled = false
      // The worker exits by itself once it has answered; only an exit before the answer is a failure.
      let answered = false
      const settle = (result: PredictionsResult) => {
        if (settled) return
        settled = true
        resolve(result)
        void worker.terminate()
      }
      worker.on('message', (raw: unknown) => {
        const parsed = ReevaluateMessage.safeParse(raw)
        if (!parsed.success) {
          const message = (raw as { message?: unknown } | null)?.message
          settle({
            ok: false,
            reason: `re-evaluating run ${runId} failed: ${typeof message === 'string' ? message : 'malformed worker message'}`,
          })
          return
        }
        if (parsed.data.type === 'failed') {
          settle({ ok: false, reason: `re-evaluating run ${runId} failed: ${parsed.data.message}` })
          return
        }
        answered = true
        readPredictionsFile(runDirectory(this.o.dataDir, runId))
          .then((p) =>
            settle(
              p
                ? { ok: true, predictions: p, source: 'reevaluated' }
                : { ok: false, reason: `re-evaluating run ${runId} wrote no predictions file` },
            ),
          )
          .catch((error: unknown) => settle({ ok: false, reason: (error as Error).message }))
      })
      worker.on('error', (error) =>
        settle({ ok: false, reason: `re-evaluation worker of run ${runId} failed: ${error.message}` }),
      )
      worker.on(
        'exit',
        (code) =>
          answered ||
          settle({ ok: false, reason: `re-evaluation worker of run ${runId} exited (code ${code}) before answering` }),
      )
    })
  }
}

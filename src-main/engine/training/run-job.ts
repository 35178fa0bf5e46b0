import { join } from 'node:path'
import type { Artifact, EpochMetric, ModelSummary } from '@shared/domain/run'
import { loadDatasetFromCache, makeSplits } from '../../data'
import { mapDiskFull } from '../../core/disk-full'
import { initBackend, tfjsVersion, type BackendStatus } from '../backend'
import { evaluateWithPredictions as evaluate, timeInference } from '../evaluation/evaluate'
import { writePredictionsFile } from '../evaluation/predictions'
import { exportLayersModel } from '../evaluation/export-model'
import { buildModel, loadBaseFromInfo, summarizeModel, type BuiltModel } from '../architectures'
import * as tf from '../tf'
import { checkpointRelDir, findUsableCheckpoint, restoreModel, type CheckpointState } from './checkpoint'
import { FeatureCacheCancelled } from './feature-cache'
import type { RunJob, WorkerMessage } from './messages'
import { modelForward } from './forward'
import { RunInputs, type RunData } from './run-inputs'
import { train, type TrainerResult } from './trainer'
import type { WeightSnapshot } from './weights'
import { whereForced } from '../backend/forced'

export type Emit = (message: WorkerMessage) => void

/**
 * One run from start to finish, in whatever thread calls it (the training worker in the app), as
 * named steps: backend, data, build or resume, feature cache, train, evaluate and export. Everything
 * the main thread must record goes out through `emit`; the last message is always `done`.
 */
export async function runJob(job: RunJob, emit: Emit, isCancelled: () => boolean): Promise<void> {
  try {
    const status = await runSteps(job, emit, isCancelled)
    emit({ type: 'done', status, message: status === 'cancelled' ? 'cancelled; finished epochs are kept' : null })
  } catch (error) {
    if (error instanceof FeatureCacheCancelled) {
      emit({ type: 'done', status: 'cancelled', message: 'cancelled while computing base features' })
      return
    }
    // A checkpoint, predictions or model write on a full disk fails the run saying so.
    const mapped = mapDiskFull(error, job.dataDir)
    const message = mapped instanceof Error ? mapped.message : String(mapped)
    emit({ type: 'done', status: 'failed', message })
  }
}

async function runSteps(job: RunJob, emit: Emit, isCancelled: () => boolean): Promise<'completed' | 'cancelled'> {
  const t0 = performance.now()
  const backend = await startBackend(job)
  const data = await loadData(job)
  const { built, summary, resume } = await buildOrResume(job, data)
  const inputs = new RunInputs(job, data, built, emit, isCancelled)
  try {
    return await trainAndEvaluate(job, backend, data, built, summary, resume, inputs, emit, isCancelled, t0)
  } finally {
    // Every run in a process leaves no variable behind, whether it completed, failed or was cancelled.
    disposeWeights([...inputs.derivedModels(), built.model, built.head, built.featureExtractor])
  }
}

/**
 * Frees the variables of a run's graphs. The graphs share layers (the head in the model and alone,
 * the fine-tuning suffix over the model's own layers), and tfjs' per-graph reference counts free a
 * layer only when every graph that applied it is disposed; freeing the set of variables frees each
 * exactly once.
 */
function disposeWeights(models: Array<tf.LayersModel | null>): void {
  const variables = new Set<tf.Tensor>()
  for (const model of models) for (const weight of model?.weights ?? []) variables.add(weight.read())
  for (const variable of variables) variable.dispose()
}

async function trainAndEvaluate(
  job: RunJob,
  backend: BackendStatus,
  data: RunData,
  built: BuiltModel,
  summary: ModelSummary,
  resume: Resume,
  inputs: RunInputs,
  emit: Emit,
  isCancelled: () => boolean,
  t0: number,
): Promise<'completed' | 'cancelled'> {
  announceStart(job, backend, data, summary, resume, emit)
  await inputs.prepareHeadFeatures(!resume || (resume.state.phaseIndex === 0 && !resume.state.phaseDone))
  emit({ type: 'phaseTime', phase: 'load', ms: performance.now() - t0 })

  const result = await trainPhases(job, backend, inputs, resume, emit, isCancelled)
  for (const [phase, ms] of Object.entries(result.phaseTimes)) emit({ type: 'phaseTime', phase, ms })
  if (result.status === 'cancelled') return 'cancelled'

  await evaluateAndExport(job, data, built, inputs, result.history, emit, isCancelled)
  return 'completed'
}

/** The backend this run computes on, as the job asks; a forced one that cannot start fails the run. */
async function startBackend(job: RunJob): Promise<BackendStatus> {
  return initBackend(job.backend ?? job.config.backend, { threads: job.threads }).catch((error: unknown) => {
    throw whereForced(error, job.backendForcedBy)
  })
}

/** Data: the dataset from its cache, split into train, validation and test as the config says. */
async function loadData(job: RunJob): Promise<RunData> {
  const dataset = await loadDatasetFromCache(job.dataDir, job.dataset)
  const { info } = dataset
  const splits = makeSplits(dataset.train.labels, dataset.test.labels, job.config.data, info.classNames.length)
  if (splits.train.length === 0) throw new Error(`dataset "${info.name}" leaves no training images after the validation split`)
  return { dataset, splits }
}

type Resume = { state: CheckpointState; best: WeightSnapshot | null; dir: string; refused: string[] } | null

/**
 * Build or resume: the model (on its base for transfer), with a resumed run's checkpoint loaded into
 * it. The summary is taken as built, before a resume unfreezes layers, so every attempt records the same.
 */
async function buildOrResume(job: RunJob, data: RunData): Promise<{ built: BuiltModel; summary: ModelSummary; resume: Resume }> {
  const { config, runId, dataDir } = job
  const { info } = data.dataset
  const base = config.model.kind === 'transfer' ? await loadBaseFromInfo(dataDir, requireBase(job)) : null
  const built = buildModel(config.model, {
    numClasses: info.classNames.length,
    imageSize: info.imageSize.height,
    seed: config.training.seed,
    base,
  })
  // The loaded base was copied into the model (cut at its layer); its own weights are no longer needed.
  base?.model.dispose()
  const summary = summarizeModel(built.model)
  if (!job.resume) return { built, summary, resume: null }
  const found = await findUsableCheckpoint(join(dataDir, checkpointRelDir(runId)), { runId, configHash: job.configHash })
  if (!found) return { built, summary, resume: null }
  const { state, dir, refused } = found
  built.setPhase(state.phase, config.model.kind === 'transfer' ? config.model.fineTune : undefined)
  return { built, summary, resume: { state, dir, refused, best: await restoreModel(dir, state, built.model) } }
}

/** What the run record learns before the first epoch: backend, versions, split sizes, the model. */
function announceStart(
  job: RunJob,
  backend: BackendStatus,
  data: RunData,
  summary: ModelSummary,
  resume: Resume,
  emit: Emit,
): void {
  const { info } = data.dataset
  const { splits } = data
  emit({
    type: 'started',
    info: {
      backend: backend.name,
      device: backend.device,
      tfjsVersion: tfjsVersion(),
      appVersion: job.appVersion,
      datasetHash: info.source.sha256,
      sizes: { train: splits.train.length, validation: splits.validation.length, test: splits.test.length },
      modelSummary: summary,
      modelSizeBytes: summary.sizeBytes,
    },
    resumedFromEpoch: resume?.state.epoch ?? 0,
    restoredEpochs: resume?.state.history ?? [],
  })
  emit({
    type: 'progress',
    event: { type: 'status', runId: job.runId, status: 'running', message: resume ? resumedMessage(resume) : null },
  })
}

function resumedMessage(resume: NonNullable<Resume>): string {
  const from = `resumed after epoch ${resume.state.epoch}`
  return resume.refused.length
    ? `${from}, from the previous checkpoint (the newest was refused: ${resume.refused.join('; ')})`
    : from
}

/** Train: every phase through the trainer, its progress, batch points and first checkpoint sent out as messages. */
async function trainPhases(
  job: RunJob,
  backend: BackendStatus,
  inputs: RunInputs,
  resume: Resume,
  emit: Emit,
  isCancelled: () => boolean,
): Promise<TrainerResult> {
  const { runId, dataDir } = job
  let registeredCheckpoint = false
  return train({
    config: job.config,
    runId,
    configHash: job.configHash,
    checkpointDir: join(dataDir, checkpointRelDir(runId)),
    resume,
    batchThrottleMs: job.batchThrottleMs,
    hooks: {
      setupPhase: (plan) => inputs.setupPhase(plan),
      isCancelled,
      onPhase: (phase, learningRate) =>
        emit({ type: 'progress', event: { type: 'phase', runId, phase, learningRate, backend: backend.name } }),
      onBatch: (b) => {
        const mem = tf.memory()
        emit({
          type: 'progress',
          event: { type: 'batch', runId, ...b, tensors: mem.numTensors, memoryBytes: mem.numBytes, backend: backend.name },
        })
      },
      onBatchPoints: (points) => emit({ type: 'batchPoints', points }),
      // The checkpoint folder is one artifact, rewritten in place every epoch: registered once.
      onCheckpoint: (dir, sizeBytes) => {
        if (registeredCheckpoint) return
        registeredCheckpoint = true
        emit({ type: 'artifact', artifact: artifact('checkpoint', dataDir, dir, sizeBytes, '') })
      },
      onEpoch: (p) => {
        const mem = tf.memory()
        emit({
          type: 'progress',
          event: {
            type: 'epoch',
            runId,
            metric: p.metric,
            totalEpochs: p.totalEpochs,
            etaSeconds: p.etaSeconds,
            tensors: mem.numTensors,
            memoryBytes: mem.numBytes,
          },
        })
      },
    },
  })
}

/** Evaluate and export: every test metric, then the trained model as a tfjs LayersModel folder. */
async function evaluateAndExport(
  job: RunJob,
  data: RunData,
  built: BuiltModel,
  inputs: RunInputs,
  history: EpochMetric[],
  emit: Emit,
  isCancelled: () => boolean,
): Promise<void> {
  const { runId, dataDir } = job
  const te = performance.now()
  const evalBatch = Math.min(256, Math.max(32, job.config.training.batchSize * 2))
  const test = inputs.testInput()
  const { evaluation, predictions } = await evaluate({
    forward: test.forward,
    split: test.split,
    datasetIndices: data.splits.test,
    classNames: data.dataset.info.classNames,
    batchSize: evalBatch,
    epochs: history,
    // On cached rows the speed is the whole model's on pixels; on pixels evaluate measures it itself.
    ...(test.cached
      ? { inferenceMsPerImage: await timeInference(modelForward(built.model), inputs.pixels.test, evalBatch) }
      : { isCancelled }),
  })
  emit({ type: 'progress', event: { type: 'evaluation', runId, evaluation } })
  // Per-image predictions beside the run, for paired statistics and image-by-image views later.
  await writePredictionsFile(join(dataDir, 'runs', runId), predictions)
  const exported = await exportLayersModel(built.model, join(dataDir, 'runs', runId, 'model'))
  emit({ type: 'artifact', artifact: artifact('model', dataDir, exported.dir, exported.sizeBytes, exported.sha256) })
  emit({ type: 'phaseTime', phase: 'evaluate', ms: performance.now() - te })
}

function artifact(kind: Artifact['kind'], dataDir: string, absPath: string, sizeBytes: number, sha256: string): Artifact {
  const rel = absPath.startsWith(dataDir) ? absPath.slice(dataDir.length).replace(/^[/\\]+/, '') : absPath
  return { kind, path: rel, sizeBytes, sha256, createdAt: new Date().toISOString() }
}

function requireBase(job: RunJob) {
  if (!job.base) throw new Error(`transfer run ${job.runId} has no base model info`)
  return job.base
}

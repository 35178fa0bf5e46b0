import { join } from 'node:path'
import type { Artifact, EpochMetric, ModelSummary } from '@shared/domain/run'
import { loadDatasetFromCache, makeSplits } from '../../data'
import { mapDiskFull } from '../../core/disk-full'
import { initBackend, tfjsVersion, type BackendStatus } from '../backend'
import { backendWithGpuEngine } from '../backend/gpu-host'
import { evaluateWithPredictions as evaluate, timeInference, type EvaluateOptions } from '../evaluation/evaluate'
import { writePredictionsFile } from '../evaluation/predictions'
import { exportLayersModel } from '../evaluation/export-model'
import { buildModel, loadBaseFromInfo, summarizeModel, type BuiltModel } from '../architectures'
import * as tf from '../tf'
import { checkpointRelDir, findUsableCheckpoint, restoreModel, type CheckpointState } from './checkpoint'
import { FeatureCacheCancelled } from './feature-cache'
import type { RunJob, WorkerMessage } from './messages'
import { modelForward } from './forward'
import { RemoteCompute, type GpuConnector, type GpuEngineClient, type RemoteModel } from './remote-compute'
import { RunInputs, type RunData } from './run-inputs'
import { ProbabilitySplit, type SplitSource } from './sources'
import { train, type TrainerResult } from './trainer'
import type { WeightSnapshot } from './weights'
import { whereForced } from '../backend/forced'

export type Emit = (message: WorkerMessage) => void

/**
 * One run from start to finish, in whatever thread calls it (the training worker in the app), as
 * named steps: backend, data, build or resume, feature cache, train, evaluate and export. Everything
 * the main thread must record goes out through `emit`; the last message is always `done`.
 */
export async function runJob(
  job: RunJob,
  emit: Emit,
  isCancelled: () => boolean,
  connectGpu: GpuConnector | null = null,
): Promise<void> {
  try {
    const status = await runSteps(job, emit, isCancelled, connectGpu)
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

async function runSteps(
  job: RunJob,
  emit: Emit,
  isCancelled: () => boolean,
  connectGpu: GpuConnector | null,
): Promise<'completed' | 'cancelled'> {
  const t0 = performance.now()
  const { backend, gpu } = await startCompute(job, connectGpu)
  const data = await loadData(job)
  const { built, summary, resume } = await buildOrResume(job, data)
  // On the GPU engine every batch goes through the whole model there (no cache of base outputs
  // here), at the images' own size: the page resizes them.
  const inputs = gpu
    ? new RunInputs({ ...job, featureCache: false }, data, built, emit, isCancelled, { resizeOnDevice: true })
    : new RunInputs(job, data, built, emit, isCancelled)
  let compute: RemoteCompute | null = null
  try {
    if (gpu) compute = await RemoteCompute.open(gpu, job.runId, remoteModel(job, data), built)
    return await trainAndEvaluate({ job, backend, data, built, summary, resume, inputs, emit, isCancelled, t0, compute })
  } finally {
    // The page frees the session's model; a fault that ended the session leaves nothing to free.
    await compute?.close().catch(() => undefined)
    // Every run in a process leaves no variable behind, whether it completed, failed or was cancelled.
    disposeWeights([...inputs.derivedModels(), built.model, built.head, built.featureExtractor])
  }
}

/**
 * Where the run computes. Without a GPU engine to borrow, on the backend the job asks for. With one
 * (the desktop app): a run forced to webgpu computes there or fails saying why, with this thread
 * on the cpu backend to mirror it; an automatic run takes a CUDA GPU here first, then the engine's
 * hardware adapter, then this thread's CPU backends.
 */
async function startCompute(
  job: RunJob,
  connectGpu: GpuConnector | null,
): Promise<{ backend: BackendStatus; gpu: GpuEngineClient | null }> {
  const requested = job.backend ?? job.config.backend
  if (!connectGpu || !job.gpuHost || (requested !== null && requested !== 'webgpu'))
    return { backend: await startBackend(job), gpu: null }
  const chosen = await backendWithGpuEngine(requested, job.threads, connectGpu).catch((error: unknown) => {
    throw whereForced(error, job.backendForcedBy)
  })
  // A forced run's own model only mirrors the engine's: the cpu backend holds it.
  if (chosen.engine && chosen.status.forced) await initBackend('cpu')
  return { backend: chosen.status, gpu: chosen.engine }
}

function remoteModel(job: RunJob, data: RunData): RemoteModel {
  const { info } = data.dataset
  return {
    config: job.config.model,
    numClasses: info.classNames.length,
    imageSize: info.imageSize.height,
    seed: job.config.training.seed,
    base: job.base,
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

interface RunContext {
  job: RunJob
  backend: BackendStatus
  data: RunData
  built: BuiltModel
  summary: ModelSummary
  resume: Resume
  inputs: RunInputs
  emit: Emit
  isCancelled: () => boolean
  t0: number
  /** The GPU engine's session when the run computes there. */
  compute: RemoteCompute | null
}

async function trainAndEvaluate(run: RunContext): Promise<'completed' | 'cancelled'> {
  const { job, backend, data, summary, resume, inputs, emit, t0 } = run
  announceStart(job, backend, data, summary, resume, emit)
  await inputs.prepareHeadFeatures(!resume || (resume.state.phaseIndex === 0 && !resume.state.phaseDone))
  emit({ type: 'phaseTime', phase: 'load', ms: performance.now() - t0 })

  const result = await trainPhases(run)
  for (const [phase, ms] of Object.entries(result.phaseTimes)) emit({ type: 'phaseTime', phase, ms })
  if (result.status === 'cancelled') return 'cancelled'

  await evaluateAndExport(run, result.history)
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
async function trainPhases(run: RunContext): Promise<TrainerResult> {
  const { job, backend, inputs, resume, emit, isCancelled, compute } = run
  const { runId, dataDir } = job
  let registeredCheckpoint = false
  return train({
    config: job.config,
    runId,
    configHash: job.configHash,
    checkpointDir: join(dataDir, checkpointRelDir(runId)),
    resume,
    batchThrottleMs: job.batchThrottleMs,
    compute,
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
async function evaluateAndExport(run: RunContext, history: EpochMetric[]): Promise<void> {
  const { job, data, built, inputs, emit, isCancelled, compute } = run
  const { runId, dataDir } = job
  const te = performance.now()
  const evalBatch = Math.min(256, Math.max(32, job.config.training.batchSize * 2))
  const test = inputs.testInput()
  const classNames = data.dataset.info.classNames
  const common = { datasetIndices: data.splits.test, classNames, batchSize: evalBatch, epochs: history }
  const { evaluation, predictions } = compute
    ? await evaluateOnGpuEngine(compute, test.split, common)
    : await evaluate({
        ...common,
        forward: test.forward,
        split: test.split,
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

/** The test split's probabilities from the GPU engine, then the same metrics and predictions as on any backend. */
async function evaluateOnGpuEngine(
  compute: RemoteCompute,
  split: SplitSource,
  common: Pick<EvaluateOptions, 'datasetIndices' | 'classNames' | 'batchSize' | 'epochs'>,
): ReturnType<typeof evaluate> {
  const numClasses = common.classNames.length
  const { probabilities, msPerImage } = await compute.predict(split, common.batchSize, numClasses)
  return evaluate({
    ...common,
    forward: (x) => x,
    split: new ProbabilitySplit(probabilities, split.labels, numClasses),
    inferenceMsPerImage: msPerImage,
  })
}

function artifact(kind: Artifact['kind'], dataDir: string, absPath: string, sizeBytes: number, sha256: string): Artifact {
  const rel = absPath.startsWith(dataDir) ? absPath.slice(dataDir.length).replace(/^[/\\]+/, '') : absPath
  return { kind, path: rel, sizeBytes, sha256, createdAt: new Date().toISOString() }
}

function requireBase(job: RunJob) {
  if (!job.base) throw new Error(`transfer run ${job.runId} has no base model info`)
  return job.base
}

import { join } from 'node:path'
import type { Artifact, EpochMetric } from '@shared/domain/run'
import { Augmenter, loadDatasetFromCache, makeSplits } from '../../data'
import { initBackend, tfjsVersion, type BackendStatus } from '../backend'
import { evaluate, timeInference } from '../evaluation/evaluate'
import { exportLayersModel } from '../evaluation/export-model'
import { buildModel, loadBaseFromInfo, summarizeModel } from '../architectures'
import * as tf from '../tf'
import { checkpointRelDir, readCheckpointState, restoreModel, type CheckpointState } from './checkpoint'
import { FeatureCacheCancelled, loadOrComputeFeatures, type FeatureSet } from './feature-cache'
import { chainForward, frozenBaseForward, modelForward, splitHead } from './forward'
import type { RunJob, WorkerMessage } from './messages'
import { epochSeed } from './rng'
import { fineTuneBoundary, type FineTuneBoundary } from './finetune-boundary'
import { FeatureSplit, PixelSplit } from './sources'
import { NonFiniteLossError, train, type PhasePlan, type PhaseSetup } from './trainer'
import type { WeightSnapshot } from './weights'

export type Emit = (message: WorkerMessage) => void

function artifact(kind: Artifact['kind'], dataDir: string, absPath: string, sizeBytes: number, sha256: string): Artifact {
  const rel = absPath.startsWith(dataDir) ? absPath.slice(dataDir.length).replace(/^[/\\]+/, '') : absPath
  return { kind, path: rel, sizeBytes, sha256, createdAt: new Date().toISOString() }
}

/**
 * One run from start to finish, in whatever thread calls it (the training worker in the app):
 * backend, dataset from the cache, splits, base, model, optional feature cache, the training loop
 * with checkpoints, evaluation on the test split and the exported model. Everything the main thread
 * must record goes out through `emit`; the last message is always `done`.
 */
export async function runJob(job: RunJob, emit: Emit, isCancelled: () => boolean): Promise<void> {
  try {
    const status = await runInner(job, emit, isCancelled)
    emit({ type: 'done', status, message: status === 'cancelled' ? 'cancelled; finished epochs are kept' : null })
  } catch (error) {
    if (error instanceof FeatureCacheCancelled) {
      emit({ type: 'done', status: 'cancelled', message: 'cancelled while computing base features' })
      return
    }
    const message = error instanceof NonFiniteLossError ? error.message : `${(error as Error).message ?? String(error)}`
    emit({ type: 'done', status: 'failed', message })
  }
}

/** The backend this run computes on, as the job asks (see RunJob.backendFallback). */
async function startBackend(job: RunJob): Promise<BackendStatus> {
  const preferred = job.backend ?? job.config.backend
  try {
    return await initBackend(preferred, { threads: job.threads })
  } catch (error) {
    if (!preferred || !job.backendFallback) throw error
    return initBackend(null, { threads: job.threads })
  }
}

async function runInner(job: RunJob, emit: Emit, isCancelled: () => boolean): Promise<'completed' | 'cancelled'> {
  const { config, runId, dataDir } = job
  const t0 = performance.now()
  const backend = await startBackend(job)
  const dataset = await loadDatasetFromCache(dataDir, job.dataset)
  const { info } = dataset
  const numClasses = info.classNames.length
  const splits = makeSplits(dataset.train.labels, dataset.test.labels, config.data, numClasses)
  if (splits.train.length === 0) throw new Error(`dataset "${info.name}" leaves no training images after the validation split`)
  const base = config.model.kind === 'transfer' ? await loadBaseFromInfo(dataDir, requireBase(job)) : null
  const built = buildModel(config.model, { numClasses, imageSize: info.imageSize.height, seed: config.training.seed, base })
  // The loaded base was copied into the model (cut at its layer); its own weights are no longer needed.
  base?.model.dispose()
  const summary = summarizeModel(built.model)

  const ckDir = join(dataDir, checkpointRelDir(runId))
  let resume: { state: CheckpointState; best: WeightSnapshot | null } | null = null
  if (job.resume) {
    const state = await readCheckpointState(ckDir)
    if (state) {
      if (state.configHash !== job.configHash)
        throw new Error(`checkpoint of run ${runId} belongs to another config (hash ${state.configHash})`)
      built.setPhase(state.phase, config.model.kind === 'transfer' ? config.model.fineTune : undefined)
      resume = { state, best: await restoreModel(ckDir, state, built.model) }
    }
  }

  const { height, width } = info.imageSize
  const pixel = (split: 'train' | 'test', indices: Int32Array) =>
    new PixelSplit({
      images: dataset[split].images,
      labels: dataset[split].labels,
      height,
      width,
      indices,
      preprocessing: built.preprocessing,
      inputSize: built.inputSize,
    })
  const pix = {
    train: pixel('train', splits.train),
    validation: pixel('train', splits.validation),
    test: pixel('test', splits.test),
  }

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
  })
  emit({
    type: 'progress',
    event: { type: 'status', runId, status: 'running', message: resume ? `resumed after epoch ${resume.state.epoch}` : null },
  })

  const throttledFeatureProgress = (cache: 'features' | 'activations') => {
    let lastEmit = 0
    return (done: number, all: number) => {
      const now = performance.now()
      if (now - lastEmit < 250 && done < all) return
      lastEmit = now
      emit({ type: 'features', cache, stage: 'computing', done, total: all, key: '', layer: null })
    }
  }

  // The feature cache: phase 1 of a transfer run without augmentation trains the head on base features.
  let features: FeatureSet | null = null
  const headCut = built.head ? splitHead(built.head) : null
  const phase1Pending = !resume || (resume.state.phaseIndex === 0 && !resume.state.phaseDone)
  if (
    job.featureCache &&
    config.model.kind === 'transfer' &&
    !config.augmentation.enabled &&
    built.featureExtractor &&
    headCut &&
    phase1Pending
  ) {
    const parts = {
      datasetHash: info.source.sha256,
      baseSha256: job.base?.sha256 ?? '',
      inputSize: built.inputSize,
      cutLayer: config.model.cutLayer ?? job.base?.defaultCutLayer ?? '',
      pooled: headCut.pooled,
      splits: { train: splits.train, validation: splits.validation, test: splits.test },
    }
    const total = splits.train.length + splits.validation.length + splits.test.length
    features = await loadOrComputeFeatures({
      dataDir,
      parts,
      featureExtractor: built.featureExtractor,
      sources: pix,
      batchSize: Math.min(128, Math.max(32, config.training.batchSize)),
      isCancelled,
      onProgress: throttledFeatureProgress('features'),
    })
    emit({
      type: 'features',
      cache: 'features',
      stage: features.hit ? 'hit' : 'stored',
      done: total,
      total,
      key: features.key,
      layer: parts.cutLayer,
    })
  }
  emit({ type: 'phaseTime', phase: 'load', ms: performance.now() - t0 })

  const aug = config.augmentation
  const augmentFor = aug.enabled
    ? (epoch: number) => {
        const augmenter = new Augmenter(aug, epochSeed(aug.seed, epoch, 0x5eed))
        return (pixels: Uint8Array, n: number) => augmenter.augmentBatch(pixels, n, height, width)
      }
    : null
  let usedFeatures = false
  // Fine-tuning from cached activations at the last exact point before the first trainable layer.
  // (The cast keeps TypeScript from narrowing to null: setupPhase assigns it inside a callback.)
  let activations = null as ActivationCache | null
  const fineTuneActivations = async (): Promise<ActivationCache | null> => {
    const boundary = fineTuneBoundary(built.model)
    if (!boundary) return null
    const parts = {
      datasetHash: info.source.sha256,
      baseSha256: job.base?.sha256 ?? '',
      inputSize: built.inputSize,
      cutLayer: boundary.layer,
      pooled: false,
      splits: { train: splits.train, validation: splits.validation, test: splits.test },
    }
    const set = await loadOrComputeFeatures({
      dataDir,
      parts,
      featureExtractor: boundary.prefix,
      sources: pix,
      batchSize: Math.min(128, Math.max(32, config.training.batchSize)),
      isCancelled,
      onProgress: throttledFeatureProgress('activations'),
    })
    const total = splits.train.length + splits.validation.length + splits.test.length
    emit({
      type: 'features',
      cache: 'activations',
      stage: set.hit ? 'hit' : 'stored',
      done: total,
      total,
      key: set.key,
      layer: boundary.layer,
    })
    return { boundary, set }
  }
  const setupPhase = async (plan: PhasePlan): Promise<PhaseSetup> => {
    if (config.model.kind === 'scratch' || !built.featureExtractor || !built.head) {
      return { model: built.model, forward: modelForward(built.model), train: pix.train, validation: pix.validation, augmentFor }
    }
    if (plan.phase === 'train') {
      built.setPhase('train')
      if (features && headCut) {
        usedFeatures = true
        const rows = features.rows
        return {
          model: built.model,
          forward: chainForward(headCut.rest),
          train: new FeatureSplit(rows.train, features.rowShape, pix.train.labels),
          validation: new FeatureSplit(rows.validation, features.rowShape, pix.validation.labels),
          augmentFor: null,
        }
      }
      usedFeatures = false
      return {
        model: built.model,
        forward: frozenBaseForward(built.featureExtractor, built.head),
        train: pix.train,
        validation: pix.validation,
        augmentFor,
      }
    }
    usedFeatures = false
    built.setPhase('finetune', plan.fineTune)
    activations = job.featureCache && !aug.enabled ? await fineTuneActivations() : null
    if (activations) {
      const rows = activations.set.rows
      return {
        model: built.model,
        forward: modelForward(activations.boundary.suffix),
        train: new FeatureSplit(rows.train, activations.set.rowShape, pix.train.labels),
        validation: new FeatureSplit(rows.validation, activations.set.rowShape, pix.validation.labels),
        augmentFor: null,
      }
    }
    return { model: built.model, forward: modelForward(built.model), train: pix.train, validation: pix.validation, augmentFor }
  }

  let trainedEpochs: EpochMetric[] = []
  let registeredCheckpoint = false
  const result = await train({
    config,
    runId,
    configHash: job.configHash,
    checkpointDir: ckDir,
    resume,
    batchThrottleMs: job.batchThrottleMs,
    hooks: {
      setupPhase,
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
      onCheckpoint: (dir, sizeBytes) => {
        if (registeredCheckpoint) return
        registeredCheckpoint = true
        emit({ type: 'artifact', artifact: artifact('checkpoint', dataDir, dir, sizeBytes, '') })
      },
      onEpoch: (p) => {
        trainedEpochs = [...trainedEpochs, p.metric]
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
  for (const [phase, ms] of Object.entries(result.phaseTimes)) emit({ type: 'phaseTime', phase, ms })
  if (result.status === 'cancelled') return 'cancelled'

  const te = performance.now()
  const evalBatch = Math.min(256, Math.max(32, config.training.batchSize * 2))
  const fullForward = modelForward(built.model)
  const onFeatures = usedFeatures && features !== null && headCut !== null
  const evaluation = activations
    ? evaluate({
        forward: modelForward(activations.boundary.suffix),
        split: new FeatureSplit(activations.set.rows.test, activations.set.rowShape, pix.test.labels),
        datasetIndices: splits.test,
        classNames: info.classNames,
        batchSize: evalBatch,
        epochs: result.history,
        inferenceMsPerImage: timeInference(fullForward, pix.test, evalBatch),
      })
    : onFeatures
      ? evaluate({
          forward: chainForward(headCut.rest),
          split: new FeatureSplit(features!.rows.test, features!.rowShape, pix.test.labels),
          datasetIndices: splits.test,
          classNames: info.classNames,
          batchSize: evalBatch,
          epochs: result.history,
          inferenceMsPerImage: timeInference(fullForward, pix.test, evalBatch),
        })
      : evaluate({
          forward: fullForward,
          split: pix.test,
          datasetIndices: splits.test,
          classNames: info.classNames,
          batchSize: evalBatch,
          epochs: result.history,
          isCancelled,
        })
  emit({ type: 'progress', event: { type: 'evaluation', runId, evaluation } })
  const exported = await exportLayersModel(built.model, join(dataDir, 'runs', runId, 'model'))
  emit({ type: 'artifact', artifact: artifact('model', dataDir, exported.dir, exported.sizeBytes, exported.sha256) })
  emit({ type: 'phaseTime', phase: 'evaluate', ms: performance.now() - te })
  built.model.dispose()
  return 'completed'
}

interface ActivationCache {
  boundary: FineTuneBoundary
  set: FeatureSet
}

function requireBase(job: RunJob) {
  if (!job.base) throw new Error(`transfer run ${job.runId} has no base model info`)
  return job.base
}

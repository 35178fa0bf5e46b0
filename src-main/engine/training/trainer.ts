import type { ExperimentConfig } from '@shared/domain/config'
import { planPhases, type PhasePlan } from '@shared/domain/phases'
import type { BatchPoint, EpochMetric, Phase } from '@shared/domain/run'
import { readValues } from '../backend/read'
import type * as tf from '../tf'
import { batchRanges, gatherLabels } from './batches'
import { restoreOptimizer, type CheckpointState } from './checkpoint'
import {
  BatchRecorder,
  Checkpointer,
  EarlyStopping,
  ProgressReporter,
  ReduceLrOnPlateau,
  type BatchProgress,
  type Callback,
  type EpochProgress,
  type PhaseContext,
  type PhaseSetup,
} from './callbacks'
import type { Forward } from './forward'
import { setLearningRate } from './optimizer-kinds'
import { createOptimizer } from './optimizer'
import { shuffledOrder } from './rng'
import { evaluationBatch, optimizerStep } from './train-step'
import type { RemoteCompute } from './remote-compute'
import type { SplitSource } from './sources'
import { trainableVariables, type WeightSnapshot } from './weights'

export type { BatchProgress, EpochProgress, PhasePlan, PhaseSetup }

/** A run's loss went to NaN or ±Infinity: the run fails with this message. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly phase: Phase,
    readonly epoch: number,
    readonly batch: number,
    readonly value: number,
  ) {
    super(
      `training diverged: the loss became ${value} in ${phase === 'finetune' ? 'fine-tuning' : 'training'} epoch ${epoch}, batch ${batch}; ` +
        'lower the learning rate (or check the data and preprocessing)',
    )
    this.name = 'NonFiniteLossError'
  }
}

export interface TrainerHooks {
  /** Called before each phase's first epoch; returns that phase's setup (it may rebuild the forward pass). */
  setupPhase(plan: PhasePlan): Promise<PhaseSetup> | PhaseSetup
  onPhase?(phase: Phase, learningRate: number): void
  /** Throttled: at most one per batchThrottleMs, plus each epoch's last batch. */
  onBatch?(progress: BatchProgress): void
  /** Every batch's loss/accuracy, handed over once per epoch (the store downsamples). */
  onBatchPoints?(points: BatchPoint[]): void
  /** After the checkpoint of that epoch is on disk. */
  onEpoch?(progress: EpochProgress): void | Promise<void>
  onCheckpoint?(dir: string, sizeBytes: number): void | Promise<void>
  isCancelled(): boolean
}

export interface TrainerOptions {
  config: ExperimentConfig
  runId: string
  configHash: string
  hooks: TrainerHooks
  /** Absolute checkpoint folder; null = no checkpoints. */
  checkpointDir: string | null
  /** A checkpoint to continue from (its weights must already be in the model). */
  /** `dir`: the checkpoint generation resumed from (the newest, or the previous when the newest was refused). */
  resume: { state: CheckpointState; best: WeightSnapshot | null; dir?: string } | null
  /** Minimum ms between two onBatch calls. */
  batchThrottleMs?: number
  /**
   * Where batches are computed when not on this thread's backend (the GPU engine page); this thread's
   * model and optimizer then mirror it for the callbacks (snapshots, checkpoints) after every epoch.
   */
  compute?: RemoteCompute | null
}

export interface TrainerResult {
  status: 'completed' | 'cancelled'
  history: EpochMetric[]
  /** Wall time per phase in ms (this process only). */
  phaseTimes: Partial<Record<Phase, number>>
  /** The model the last phase trained (for evaluation). */
  lastSetup: PhaseSetup | null
}

/** Loss and accuracy over a whole split, in inference mode, batch by batch. */
export async function evaluateSplit(
  forward: Forward,
  split: SplitSource,
  batchSize: number,
): Promise<{ loss: number; accuracy: number }> {
  if (split.count === 0) return { loss: NaN, accuracy: NaN }
  const order = Int32Array.from({ length: split.count }, (_, i) => i)
  let lossSum = 0
  let correct = 0
  for (const [start, end] of batchRanges(split.count, batchSize)) {
    const batch = await evaluationBatch(
      forward,
      split.input(order, start, end),
      split.labels.subarray(start, end),
      readValues,
      false,
    )
    lossSum += batch.lossSum
    correct += batch.correct
  }
  return { loss: lossSum / split.count, accuracy: correct / split.count }
}

/**
 * The callbacks of a run, in the order their hooks run at each epoch's end: batch points, early
 * stopping (which may restore the best weights), the learning-rate schedule, the checkpoint (which
 * records both), then progress (which the UI sees after the checkpoint is on disk).
 */
function standardCallbacks(options: TrainerOptions): Callback[] {
  const { config, hooks } = options
  const t = config.training
  const earlyStopping = t.earlyStopping.enabled ? new EarlyStopping(t.earlyStopping, options.resume?.best ?? null) : null
  // Without early stopping no checkpoint carries best weights; one given anyway is not kept.
  if (!earlyStopping) options.resume?.best?.dispose()
  const reduceLr = t.reduceLrOnPlateau.enabled ? new ReduceLrOnPlateau(t.reduceLrOnPlateau) : null
  const checkpointer = options.checkpointDir
    ? new Checkpointer(options.checkpointDir, {
        runId: options.runId,
        configHash: options.configHash,
        earlyStopping,
        reduceLr,
        onSaved: hooks.onCheckpoint?.bind(hooks),
      })
    : null
  const progress = new ProgressReporter(
    { onPhase: hooks.onPhase?.bind(hooks), onBatch: hooks.onBatch?.bind(hooks), onEpoch: hooks.onEpoch?.bind(hooks) },
    options.batchThrottleMs ?? 100,
  )
  const recorder = hooks.onBatchPoints ? new BatchRecorder(hooks.onBatchPoints.bind(hooks)) : null
  return [recorder, earlyStopping, reduceLr, checkpointer, progress].filter((c): c is NonNullable<typeof c> => c !== null)
}

/** Counters that run across phases: epochs (1-based numbering continues on resume), steps, history. */
interface RunCounters {
  epoch: number
  step: number
  history: EpochMetric[]
}

/** One phase in progress: what the callbacks see, and the state the loop advances. */
class PhaseRun implements PhaseContext {
  phaseEpochs: number
  learningRate: number
  stopRequested = false
  /** What the optimizer updates: the trainable flags stay as setupPhase left them for the whole phase. */
  readonly variables: tf.Variable[]

  constructor(
    readonly config: ExperimentConfig,
    readonly plans: readonly PhasePlan[],
    readonly phaseIndex: number,
    readonly setup: PhaseSetup,
    readonly optimizer: tf.Optimizer,
    readonly resumed: CheckpointState | null,
    readonly counters: RunCounters,
    readonly compute: RemoteCompute | null,
  ) {
    this.variables = trainableVariables(setup.model)
    this.phaseEpochs = resumed?.phaseEpochs ?? 0
    this.learningRate = resumed?.learningRate ?? this.plan.learningRate
  }

  get plan(): PhasePlan {
    return this.plans[this.phaseIndex]!
  }
  get epoch(): number {
    return this.counters.epoch
  }
  get step(): number {
    return this.counters.step
  }
  get history(): readonly EpochMetric[] {
    return this.counters.history
  }
  get phaseDone(): boolean {
    return this.stopRequested || this.phaseEpochs >= this.plan.epochs
  }

  setLearningRate(learningRate: number): void {
    this.learningRate = learningRate
    setLearningRate(this.optimizer, learningRate)
  }

  requestStop(): void {
    this.stopRequested = true
  }
}

/**
 * The custom epoch/batch loop: seeded shuffling per epoch, per-batch augmentation, Adam (or SGD /
 * RMSprop) through optimizer.minimize on the categorical cross-entropy, validation each epoch, and
 * cancellation between batches. Early stopping, the learning-rate schedule, checkpoints and progress
 * are callbacks (./callbacks). Throws NonFiniteLossError when the loss stops being finite.
 */
export async function train(options: TrainerOptions): Promise<TrainerResult> {
  const { config, hooks } = options
  const plans = planPhases(config)
  const resume = options.resume?.state ?? null
  const counters: RunCounters = { epoch: resume?.epoch ?? 0, step: resume?.step ?? 0, history: resume ? [...resume.history] : [] }
  const phaseTimes: Partial<Record<Phase, number>> = {}
  const callbacks = standardCallbacks(options)
  let lastSetup: PhaseSetup | null = null
  const startPhase = resume ? resume.phaseIndex + (resume.phaseDone ? 1 : 0) : 0

  for (let pi = startPhase; pi < plans.length; pi++) {
    const plan = plans[pi]!
    const resumed = resume !== null && pi === resume.phaseIndex && !resume.phaseDone ? resume : null
    const phaseStart = performance.now()
    const setup = await hooks.setupPhase(plan)
    lastSetup = setup
    const optimizer = createOptimizer(config.training.optimizer, resumed?.learningRate ?? plan.learningRate)
    let status: TrainerResult['status']
    try {
      const from = options.resume?.dir ?? options.checkpointDir
      if (resumed && from) await restoreOptimizer(from, resumed, optimizer)
      const phase = new PhaseRun(config, plans, pi, setup, optimizer, resumed, counters, options.compute ?? null)
      await phase.compute?.beginPhase(plan, setup.model, optimizer, phase.learningRate)
      for (const cb of callbacks) await cb.onPhaseBegin?.(phase)
      status = await runPhase(phase, callbacks, hooks)
    } finally {
      optimizer.dispose()
      phaseTimes[plan.phase] = (phaseTimes[plan.phase] ?? 0) + (performance.now() - phaseStart)
    }
    if (status === 'cancelled') {
      for (const cb of callbacks) cb.onTrainEnd?.()
      return { status, history: counters.history, phaseTimes, lastSetup }
    }
  }
  for (const cb of callbacks) cb.onTrainEnd?.()
  return { status: 'completed', history: counters.history, phaseTimes, lastSetup }
}

/** The epochs of one phase, until its last, a stop request, or a cancel. */
async function runPhase(phase: PhaseRun, callbacks: Callback[], hooks: TrainerHooks): Promise<TrainerResult['status']> {
  while (phase.phaseEpochs < phase.plan.epochs) {
    if (hooks.isCancelled()) return 'cancelled'
    const metric = await runEpoch(phase, callbacks, hooks)
    if (metric === null) return 'cancelled'
    // The callbacks snapshot, restore and checkpoint this thread's model: it first catches up with
    // the remote engine's, which then takes back whatever they changed.
    await phase.compute?.pull(phase.setup.model, phase.optimizer)
    for (const cb of callbacks) await cb.onEpochEnd?.(phase, metric)
    await phase.compute?.push(phase.setup.model, phase.learningRate)
    if (phase.stopRequested) break
  }
  return 'completed'
}

/** One epoch: every training batch, then validation. Null when cancelled part-way (the epoch does not count). */
// Each step awaits its loss read (webgpu reads only asynchronously in Node); cancellation arrives
// through a shared flag that hooks.isCancelled() reads between batches.
async function runEpoch(phase: PhaseRun, callbacks: Callback[], hooks: TrainerHooks): Promise<EpochMetric | null> {
  const { setup, plan, counters } = phase
  const t = phase.config.training
  counters.epoch += 1
  const epoch = counters.epoch
  const epochStart = performance.now()
  for (const cb of callbacks) cb.onEpochBegin?.(phase)
  const order = shuffledOrder(
    Int32Array.from({ length: setup.train.count }, (_, i) => i),
    t.seed,
    epoch,
  )
  const augment = setup.augmentFor?.(epoch) ?? null
  const ranges = batchRanges(setup.train.count, t.batchSize)
  let lossSum = 0
  let correctSum = 0
  let seen = 0
  const batchAt = (b: number): { x: tf.Tensor; labels: Int32Array } => {
    const [start, end] = ranges[b]!
    return { x: setup.train.input(order, start, end, augment), labels: gatherLabels(setup.train.labels, order, start, end) }
  }
  // On a remote engine the next batch is gathered, augmented and preprocessed here while the engine
  // computes the current one; the batches and their order are the same either way.
  let prepared: { x: tf.Tensor; labels: Int32Array } | null = null
  try {
    for (let b = 0; b < ranges.length; b++) {
      if (hooks.isCancelled()) {
        counters.epoch -= 1
        return null
      }
      const batch = prepared ?? batchAt(b)
      prepared = null
      const n = batch.labels.length
      const step = trainStep(phase, batch.x, batch.labels)
      if (phase.compute && b + 1 < ranges.length) prepared = batchAt(b + 1)
      const { loss, correct } = await step
      counters.step += 1
      if (!Number.isFinite(loss)) throw new NonFiniteLossError(plan.phase, epoch, b + 1, loss)
      lossSum += loss * n
      correctSum += correct
      seen += n
      for (const cb of callbacks)
        cb.onBatchEnd?.(phase, { batch: b + 1, batchesPerEpoch: ranges.length, size: n, loss, accuracy: correct / n })
    }
  } finally {
    prepared?.x.dispose()
  }
  for (const cb of callbacks) cb.onTrainBatchesEnd?.(phase)
  const trainSeconds = (performance.now() - epochStart) / 1000
  const evalBatch = Math.min(256, Math.max(32, t.batchSize * 2))
  const val =
    setup.validation.count === 0
      ? null
      : phase.compute
        ? await phase.compute.evaluate(setup.validation, evalBatch)
        : await evaluateSplit(setup.forward, setup.validation, evalBatch)
  const metric: EpochMetric = {
    phase: plan.phase,
    epoch,
    loss: lossSum / Math.max(1, seen),
    accuracy: correctSum / Math.max(1, seen),
    valLoss: val && Number.isFinite(val.loss) ? val.loss : null,
    valAccuracy: val && Number.isFinite(val.accuracy) ? val.accuracy : null,
    learningRate: phase.learningRate,
    durationMs: performance.now() - epochStart,
    imagesPerSecond: seen / Math.max(1e-3, trainSeconds),
  }
  if (val && !Number.isFinite(val.loss)) throw new NonFiniteLossError(plan.phase, epoch, ranges.length, val.loss)
  counters.history.push(metric)
  phase.phaseEpochs += 1
  return metric
}

/** One optimizer step on a batch, here or on the remote engine; returns its mean loss and the number it got right. */
function trainStep(phase: PhaseRun, x: tf.Tensor, labels: Int32Array): Promise<{ loss: number; correct: number }> {
  if (phase.compute) return phase.compute.trainStep(x, labels)
  return optimizerStep(phase.optimizer, phase.setup.forward, phase.variables, x, labels, readValues)
}

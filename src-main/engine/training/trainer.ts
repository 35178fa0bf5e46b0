import type { ExperimentConfig, FineTuneConfig } from '@shared/domain/config'
import type { EpochMetric, Phase } from '@shared/domain/run'
import * as tf from '../tf'
import { batchRanges, gatherLabels } from './batches'
import { restoreOptimizer, saveCheckpoint, type CheckpointState } from './checkpoint'
import type { Forward } from './forward'
import { categoricalCrossentropy, correctCount, crossentropySum } from './loss'
import { createOptimizer, setLearningRate } from './optimizer'
import { monitoredValue, PlateauTracker } from './plateau'
import { shuffledOrder } from './rng'
import type { SplitSource } from './sources'
import { trainableVariables, WeightSnapshot } from './weights'

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

export interface PhasePlan {
  phase: Phase
  epochs: number
  learningRate: number
  fineTune?: FineTuneConfig
}

/** The phases of a run: 'train' (scratch, or transfer with the base frozen), then optional fine-tuning. */
export function planPhases(config: ExperimentConfig): PhasePlan[] {
  const plans: PhasePlan[] = [{ phase: 'train', epochs: config.training.epochs, learningRate: config.training.learningRate }]
  if (config.model.kind === 'transfer' && config.model.fineTune.enabled) {
    const ft = config.model.fineTune
    plans.push({ phase: 'finetune', epochs: ft.epochs, learningRate: ft.learningRate, fineTune: ft })
  }
  return plans
}

/** What the trainer needs from a phase: the model to step, the forward pass and the splits to feed it. */
export interface PhaseSetup {
  /** The model whose trainable weights the optimizer updates, snapshots and checkpoints. */
  model: tf.LayersModel
  forward: Forward
  train: SplitSource
  validation: SplitSource
  /** Augments a uint8 NHWC batch; null = none (always null on feature splits). */
  augmentFor: ((epoch: number) => ((pixels: Uint8Array, n: number) => Uint8Array) | null) | null
}

export interface BatchProgress {
  phase: Phase
  epoch: number
  step: number
  batch: number
  batchesPerEpoch: number
  loss: number
  accuracy: number
  learningRate: number
  imagesPerSecond: number
  etaSeconds: number | null
}

export interface EpochProgress {
  metric: EpochMetric
  totalEpochs: number
  etaSeconds: number | null
}

export interface TrainerHooks {
  /** Called before each phase's first epoch; returns that phase's setup (it may rebuild the forward pass). */
  setupPhase(plan: PhasePlan): Promise<PhaseSetup> | PhaseSetup
  onPhase?(phase: Phase, learningRate: number): void
  /** Throttled: at most ~10 per second, plus each epoch's last batch. */
  onBatch?(progress: BatchProgress): void
  /** Every batch's loss/accuracy, handed over once per epoch (the store downsamples). */
  onBatchPoints?(points: Array<{ phase: Phase; epoch: number; step: number; loss: number; accuracy: number }>): void
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
  resume: { state: CheckpointState; best: WeightSnapshot | null } | null
  /** Minimum ms between two onBatch calls. */
  batchThrottleMs?: number
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
export function evaluateSplit(forward: Forward, split: SplitSource, batchSize: number): { loss: number; accuracy: number } {
  if (split.count === 0) return { loss: NaN, accuracy: NaN }
  const order = Int32Array.from({ length: split.count }, (_, i) => i)
  let lossSum = 0
  let correct = 0
  for (const [start, end] of batchRanges(split.count, batchSize)) {
    const [l, c] = tf.tidy(() => {
      const x = split.input(order, start, end)
      const y = tf.tensor1d(split.labels.subarray(start, end), 'int32')
      const probs = forward(x, false)
      return [crossentropySum(y, probs), correctCount(y, probs)]
    })
    lossSum += l.dataSync()[0]!
    correct += c.dataSync()[0]!
    tf.dispose([l, c])
  }
  return { loss: lossSum / split.count, accuracy: correct / split.count }
}

/**
 * The custom epoch/batch loop: seeded shuffling per epoch, per-batch augmentation, Adam (or SGD /
 * RMSprop) through optimizer.minimize on the categorical cross-entropy, validation each epoch,
 * early stopping with restore-best-weights, ReduceLROnPlateau, a checkpoint every epoch, and
 * cancellation between batches. Throws NonFiniteLossError when the loss stops being finite.
 */
export async function train(options: TrainerOptions): Promise<TrainerResult> {
  const { config, hooks } = options
  const plans = planPhases(config)
  const t = config.training
  const throttle = options.batchThrottleMs ?? 100
  const evalBatch = Math.min(256, Math.max(32, t.batchSize * 2))
  const resume = options.resume?.state ?? null
  const history: EpochMetric[] = resume ? [...resume.history] : []
  let epoch = resume?.epoch ?? 0
  let step = resume?.step ?? 0
  const phaseTimes: Partial<Record<Phase, number>> = {}
  let lastSetup: PhaseSetup | null = null
  const totalEpochs = plans.reduce((s, p) => s + p.epochs, 0)
  const startPhase = resume ? resume.phaseIndex + (resume.phaseDone ? 1 : 0) : 0
  let best: WeightSnapshot | null = options.resume?.best ?? null

  for (let pi = startPhase; pi < plans.length; pi++) {
    const plan = plans[pi]!
    const resuming = resume !== null && pi === resume.phaseIndex && !resume.phaseDone
    const phaseStart = performance.now()
    const setup = await hooks.setupPhase(plan)
    lastSetup = setup
    const variables = trainableVariables(setup.model)
    let learningRate = resuming ? resume.learningRate : plan.learningRate
    const optimizer = createOptimizer(t.optimizer, learningRate)
    if (resuming && options.checkpointDir) await restoreOptimizer(options.checkpointDir, resume, optimizer)
    const es = t.earlyStopping.enabled
      ? new PlateauTracker(
          t.earlyStopping.monitor,
          t.earlyStopping.minDelta,
          resuming ? (resume.earlyStopping ?? undefined) : undefined,
        )
      : null
    const rlr = t.reduceLrOnPlateau.enabled
      ? new PlateauTracker(t.reduceLrOnPlateau.monitor, 0, resuming ? (resume.reduceLr ?? undefined) : undefined)
      : null
    if (!resuming && best) {
      best.dispose()
      best = null
    }
    hooks.onPhase?.(plan.phase, learningRate)
    let phaseEpochs = resuming ? resume.phaseEpochs : 0
    let status: 'completed' | 'cancelled' = 'completed'
    try {
      while (phaseEpochs < plan.epochs) {
        if (hooks.isCancelled()) {
          status = 'cancelled'
          break
        }
        epoch += 1
        const epochStart = performance.now()
        const order = shuffledOrder(
          Int32Array.from({ length: setup.train.count }, (_, i) => i),
          t.seed,
          epoch,
        )
        const augment = setup.augmentFor?.(epoch) ?? null
        const ranges = batchRanges(setup.train.count, t.batchSize)
        const points: Array<{ phase: Phase; epoch: number; step: number; loss: number; accuracy: number }> = []
        let lossSum = 0
        let correctSum = 0
        let seen = 0
        let lastEmit = 0
        for (let b = 0; b < ranges.length; b++) {
          if (hooks.isCancelled()) {
            status = 'cancelled'
            break
          }
          const [start, end] = ranges[b]!
          const n = end - start
          const x = setup.train.input(order, start, end, augment)
          const y = tf.tensor1d(gatherLabels(setup.train.labels, order, start, end), 'int32')
          let correctT: tf.Scalar | null = null
          const cost = optimizer.minimize(
            () => {
              const probs = setup.forward(x, true)
              correctT = tf.keep(correctCount(y, probs))
              return categoricalCrossentropy(y, probs)
            },
            true,
            variables,
          )!
          const loss = cost.dataSync()[0]!
          const correct = (correctT as tf.Scalar | null)?.dataSync()[0] ?? 0
          tf.dispose([x, y, cost, correctT as tf.Scalar | null].filter((v): v is tf.Tensor => v !== null))
          step += 1
          if (!Number.isFinite(loss)) throw new NonFiniteLossError(plan.phase, epoch, b + 1, loss)
          lossSum += loss * n
          correctSum += correct
          seen += n
          points.push({ phase: plan.phase, epoch, step, loss, accuracy: correct / n })
          const now = performance.now()
          if (hooks.onBatch && (now - lastEmit >= throttle || b === ranges.length - 1)) {
            lastEmit = now
            const ips = seen / Math.max(1e-3, (now - epochStart) / 1000)
            const remaining = setup.train.count - seen + remainingImages(plans, pi, phaseEpochs + 1, setup.train.count)
            hooks.onBatch({
              phase: plan.phase,
              epoch,
              step,
              batch: b + 1,
              batchesPerEpoch: ranges.length,
              loss,
              accuracy: correct / n,
              learningRate,
              imagesPerSecond: ips,
              etaSeconds: ips > 0 ? remaining / ips : null,
            })
          }
        }
        if (status === 'cancelled') {
          epoch -= 1
          break
        }
        hooks.onBatchPoints?.(points)
        const trainSeconds = (performance.now() - epochStart) / 1000
        const val = setup.validation.count > 0 ? evaluateSplit(setup.forward, setup.validation, evalBatch) : null
        const durationMs = performance.now() - epochStart
        const metric: EpochMetric = {
          phase: plan.phase,
          epoch,
          loss: lossSum / Math.max(1, seen),
          accuracy: correctSum / Math.max(1, seen),
          valLoss: val && Number.isFinite(val.loss) ? val.loss : null,
          valAccuracy: val && Number.isFinite(val.accuracy) ? val.accuracy : null,
          learningRate,
          durationMs,
          imagesPerSecond: seen / Math.max(1e-3, trainSeconds),
        }
        if (val && !Number.isFinite(val.loss)) throw new NonFiniteLossError(plan.phase, epoch, ranges.length, val.loss)
        history.push(metric)
        phaseEpochs += 1
        let stop = false
        if (es) {
          const value = monitoredValue(es.monitor, metric.valLoss, metric.valAccuracy)
          if (value !== null) {
            if (es.update(value, epoch)) {
              if (t.earlyStopping.restoreBestWeights) {
                best?.dispose()
                best = WeightSnapshot.take(setup.model)
              }
            } else if (es.state.wait > t.earlyStopping.patience) {
              stop = true
            }
          }
        }
        if (rlr) {
          const value = monitoredValue(rlr.monitor, metric.valLoss, metric.valAccuracy)
          if (value !== null && !rlr.update(value, epoch) && rlr.state.wait > t.reduceLrOnPlateau.patience) {
            const next = Math.max(t.reduceLrOnPlateau.minLr, learningRate * t.reduceLrOnPlateau.factor)
            if (next < learningRate) {
              learningRate = next
              setLearningRate(optimizer, learningRate)
            }
            rlr.resetWait()
          }
        }
        const phaseDone = stop || phaseEpochs >= plan.epochs
        // Keras restores the best weights when training stops (early or not) and the best was earlier.
        if (phaseDone && best && es && es.state.bestEpoch !== epoch) best.restore(setup.model)
        if (options.checkpointDir) {
          const saved = await saveCheckpoint(
            options.checkpointDir,
            setup.model,
            phaseDone ? null : optimizer,
            phaseDone ? null : best,
            {
              runId: options.runId,
              configHash: options.configHash,
              phaseIndex: pi,
              phase: plan.phase,
              phaseEpochs,
              phaseDone,
              epoch,
              step,
              learningRate,
              earlyStopping: es?.state ?? null,
              reduceLr: rlr?.state ?? null,
              history,
              rng: { shuffleSeed: t.seed, augmentSeed: config.augmentation.seed },
            },
          )
          await hooks.onCheckpoint?.(saved.dir, saved.sizeBytes)
        }
        const ips = metric.imagesPerSecond
        const remaining = remainingImages(plans, pi, phaseEpochs, setup.train.count)
        await hooks.onEpoch?.({ metric, totalEpochs, etaSeconds: ips > 0 ? remaining / ips : null })
        if (stop) break
      }
    } finally {
      optimizer.dispose()
      phaseTimes[plan.phase] = (phaseTimes[plan.phase] ?? 0) + (performance.now() - phaseStart)
    }
    if (status === 'cancelled') {
      best?.dispose()
      return { status, history, phaseTimes, lastSetup }
    }
  }
  best?.dispose()
  return { status: 'completed', history, phaseTimes, lastSetup }
}

/** Images still to train after `doneInPhase` epochs of phase `pi` (later phases use the same split size). */
function remainingImages(plans: PhasePlan[], pi: number, doneInPhase: number, trainCount: number): number {
  let epochs = Math.max(0, plans[pi]!.epochs - doneInPhase)
  for (let i = pi + 1; i < plans.length; i++) epochs += plans[i]!.epochs
  return epochs * trainCount
}

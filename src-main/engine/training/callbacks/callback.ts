import type { ExperimentConfig } from '@shared/domain/config'
import type { PhasePlan } from '@shared/domain/phases'
import type { EpochMetric } from '@shared/domain/run'
import type * as tf from '../../tf'
import type { CheckpointState } from '../checkpoint'
import type { SplitSource } from '../sources'
import type { Forward } from '../forward'

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

/** The phase being trained, as the loop shows it to its callbacks. */
export interface PhaseContext {
  readonly config: ExperimentConfig
  readonly plans: readonly PhasePlan[]
  readonly phaseIndex: number
  readonly plan: PhasePlan
  readonly setup: PhaseSetup
  readonly optimizer: tf.Optimizer
  /** The checkpoint this phase continues from; null when the phase starts fresh. */
  readonly resumed: CheckpointState | null
  /** Epochs finished over the whole run (the current one once it has begun), and optimizer steps. */
  readonly epoch: number
  readonly step: number
  /** Epochs finished in this phase. */
  readonly phaseEpochs: number
  readonly history: readonly EpochMetric[]
  readonly learningRate: number
  /** Changes the optimizer's learning rate in place (the Adam moments stay). */
  setLearningRate(learningRate: number): void
  /** Ends the phase after this epoch (Keras' model.stop_training). */
  requestStop(): void
  readonly stopRequested: boolean
  /** This epoch is the phase's last: all its epochs are done, or a stop was requested. */
  readonly phaseDone: boolean
}

/** One training batch's result. */
export interface BatchLogs {
  /** 1-based within the epoch. */
  batch: number
  batchesPerEpoch: number
  size: number
  loss: number
  accuracy: number
}

/**
 * One concern of the training loop, Keras-callback style: each hook runs at its point of the loop,
 * in the order the callbacks are listed. A hook may be async; the loop awaits it.
 */
export interface Callback {
  onPhaseBegin?(ctx: PhaseContext): void | Promise<void>
  onEpochBegin?(ctx: PhaseContext): void
  onBatchEnd?(ctx: PhaseContext, logs: BatchLogs): void
  /** After the epoch's last training batch, before validation. */
  onTrainBatchesEnd?(ctx: PhaseContext): void
  /** After validation; `metric` is already in ctx.history. */
  onEpochEnd?(ctx: PhaseContext, metric: EpochMetric): void | Promise<void>
  /** When training ends, completed or cancelled (not when it fails). */
  onTrainEnd?(): void
}

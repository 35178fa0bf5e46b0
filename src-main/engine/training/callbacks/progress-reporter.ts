import type { PhasePlan } from '@shared/domain/phases'
import { totalEpochs } from '@shared/domain/phases'
import type { EpochMetric, Phase } from '@shared/domain/run'
import type { BatchLogs, Callback, PhaseContext } from './callback'

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

export interface ProgressListeners {
  onPhase?: ((phase: Phase, learningRate: number) => void) | undefined
  /** Throttled: at most one per `throttleMs`, plus each epoch's last batch. */
  onBatch?: ((progress: BatchProgress) => void) | undefined
  onEpoch?: ((progress: EpochProgress) => void | Promise<void>) | undefined
}

/** What the UI shows while a run trains: the phase, throttled batch progress, each epoch, with speed and ETA. */
export class ProgressReporter implements Callback {
  private epochStart = 0
  private lastEmit = 0
  private seen = 0

  constructor(
    private readonly listeners: ProgressListeners,
    private readonly throttleMs: number,
  ) {}

  onPhaseBegin(ctx: PhaseContext): void {
    this.listeners.onPhase?.(ctx.plan.phase, ctx.learningRate)
  }

  onEpochBegin(): void {
    this.epochStart = performance.now()
    this.lastEmit = 0
    this.seen = 0
  }

  onBatchEnd(ctx: PhaseContext, logs: BatchLogs): void {
    this.seen += logs.size
    const now = performance.now()
    const { onBatch } = this.listeners
    if (!onBatch || (now - this.lastEmit < this.throttleMs && logs.batch !== logs.batchesPerEpoch)) return
    this.lastEmit = now
    const ips = this.seen / Math.max(1e-3, (now - this.epochStart) / 1000)
    const count = ctx.setup.train.count
    const remaining = count - this.seen + remainingImages(ctx.plans, ctx.phaseIndex, ctx.phaseEpochs + 1, count)
    onBatch({
      phase: ctx.plan.phase,
      epoch: ctx.epoch,
      step: ctx.step,
      batch: logs.batch,
      batchesPerEpoch: logs.batchesPerEpoch,
      loss: logs.loss,
      accuracy: logs.accuracy,
      learningRate: ctx.learningRate,
      imagesPerSecond: ips,
      etaSeconds: ips > 0 ? remaining / ips : null,
    })
  }

  async onEpochEnd(ctx: PhaseContext, metric: EpochMetric): Promise<void> {
    const ips = metric.imagesPerSecond
    const remaining = remainingImages(ctx.plans, ctx.phaseIndex, ctx.phaseEpochs, ctx.setup.train.count)
    await this.listeners.onEpoch?.({ metric, totalEpochs: totalEpochs(ctx.config), etaSeconds: ips > 0 ? remaining / ips : null })
  }
}

/** Images still to train after `doneInPhase` epochs of phase `pi` (later phases use the same split size). */
function remainingImages(plans: readonly PhasePlan[], pi: number, doneInPhase: number, trainCount: number): number {
  let epochs = Math.max(0, plans[pi]!.epochs - doneInPhase)
  for (let i = pi + 1; i < plans.length; i++) epochs += plans[i]!.epochs
  return epochs * trainCount
}

import type { TrainingConfig } from '@shared/domain/config'
import type { EpochMetric } from '@shared/domain/run'
import { monitoredValue, PlateauTracker, type PlateauState } from '../plateau'
import type { Callback, PhaseContext } from './callback'

/**
 * Keras' ReduceLROnPlateau: multiplies the learning rate by `factor` (not below `minLr`) once the
 * monitored metric has not improved for `patience` epochs, then waits `patience` epochs again.
 */
export class ReduceLrOnPlateau implements Callback {
  private tracker: PlateauTracker | null = null

  constructor(private readonly settings: TrainingConfig['reduceLrOnPlateau']) {}

  /** The tracker's state for the checkpoint; null before the first phase. */
  get state(): PlateauState | null {
    return this.tracker?.state ?? null
  }

  onPhaseBegin(ctx: PhaseContext): void {
    this.tracker = new PlateauTracker(this.settings.monitor, 0, ctx.resumed?.reduceLr ?? undefined)
  }

  onEpochEnd(ctx: PhaseContext, metric: EpochMetric): void {
    const tracker = this.tracker!
    const value = monitoredValue(tracker.monitor, metric.valLoss, metric.valAccuracy)
    if (value === null || tracker.update(value, metric.epoch) || tracker.state.wait <= this.settings.patience) return
    const next = Math.max(this.settings.minLr, ctx.learningRate * this.settings.factor)
    if (next < ctx.learningRate) ctx.setLearningRate(next)
    tracker.resetWait()
  }
}

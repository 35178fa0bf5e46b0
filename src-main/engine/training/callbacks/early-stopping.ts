import type { TrainingConfig } from '@shared/domain/config'
import type { EpochMetric } from '@shared/domain/run'
import { monitoredValue, PlateauTracker, type PlateauState } from '../plateau'
import { WeightSnapshot } from '../weights'
import type { Callback, PhaseContext } from './callback'

/**
 * Keras' EarlyStopping: stops a phase once the monitored metric has not improved for `patience`
 * epochs and, with restoreBestWeights, puts the best epoch's weights back when the phase ends.
 */
export class EarlyStopping implements Callback {
  private tracker: PlateauTracker | null = null

  /** `best`: the snapshot a resumed checkpoint carried (this callback owns it from here). */
  constructor(
    private readonly settings: TrainingConfig['earlyStopping'],
    private best: WeightSnapshot | null,
  ) {}

  /** The tracker's state for the checkpoint; null before the first phase. */
  get state(): PlateauState | null {
    return this.tracker?.state ?? null
  }

  /** The best weights so far in this phase (saved with every checkpoint but the phase's last). */
  get bestWeights(): WeightSnapshot | null {
    return this.best
  }

  onPhaseBegin(ctx: PhaseContext): void {
    this.tracker = new PlateauTracker(this.settings.monitor, this.settings.minDelta, ctx.resumed?.earlyStopping ?? undefined)
    // Each phase looks for its own best; only a resumed phase keeps the one its checkpoint held.
    if (!ctx.resumed) this.dropBest()
  }

  onEpochEnd(ctx: PhaseContext, metric: EpochMetric): void {
    const tracker = this.tracker!
    const value = monitoredValue(tracker.monitor, metric.valLoss, metric.valAccuracy)
    if (value !== null) {
      if (tracker.update(value, metric.epoch)) {
        if (this.settings.restoreBestWeights) {
          this.best?.dispose()
          this.best = WeightSnapshot.take(ctx.setup.model)
        }
      } else if (tracker.state.wait > this.settings.patience) {
        ctx.requestStop()
      }
    }
    // Keras restores the best weights when training stops (early or not) and the best was earlier.
    if (ctx.phaseDone && this.best && tracker.state.bestEpoch !== metric.epoch) this.best.restore(ctx.setup.model)
  }

  onTrainEnd(): void {
    this.dropBest()
  }

  private dropBest(): void {
    this.best?.dispose()
    this.best = null
  }
}

import { z } from 'zod'

/**
 * Tracks a monitored validation metric the way Keras' EarlyStopping and ReduceLROnPlateau do:
 * an epoch is an improvement when it beats the best by more than minDelta; `wait` counts the epochs
 * since the last improvement.
 */
export const PlateauState = z.object({
  best: z.number().nullable(),
  bestEpoch: z.number().int().nullable(),
  wait: z.number().int().min(0),
})
export type PlateauState = z.infer<typeof PlateauState>

export type Monitor = 'val_loss' | 'val_accuracy'

export class PlateauTracker {
  state: PlateauState

  constructor(
    readonly monitor: Monitor,
    readonly minDelta: number,
    state?: PlateauState,
  ) {
    this.state = state ? { ...state } : { best: null, bestEpoch: null, wait: 0 }
  }

  /** Records one epoch's value; returns true when it is a new best. */
  update(value: number, epoch: number): boolean {
    const { best } = this.state
    const improved = best === null || (this.monitor === 'val_loss' ? value < best - this.minDelta : value > best + this.minDelta)
    if (improved) {
      this.state = { best: value, bestEpoch: epoch, wait: 0 }
    } else {
      this.state = { ...this.state, wait: this.state.wait + 1 }
    }
    return improved
  }

  resetWait(): void {
    this.state = { ...this.state, wait: 0 }
  }
}

export function monitoredValue(monitor: Monitor, valLoss: number | null, valAccuracy: number | null): number | null {
  return monitor === 'val_loss' ? valLoss : valAccuracy
}

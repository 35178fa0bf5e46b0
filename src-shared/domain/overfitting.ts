import type { EpochMetric, Phase } from './run'

/**
 * How far a run's training metrics ran ahead of its validation metrics, epoch by epoch, and how long
 * it kept training after its best validation epoch. Pure, so Run detail, Compare and the report agree.
 */

/** One epoch's gap. Both are positive when the model does better on the images it trains on. */
export interface GapPoint {
  epoch: number
  phase: Phase
  /** Train minus validation accuracy (fraction, 0.12 = 12 points); null without validation. */
  accuracyGap: number | null
  /** Validation minus train loss: the loss gap, signed so that overfitting is positive as well. */
  lossGap: number | null
}

export interface OverfittingSummary {
  points: GapPoint[]
  /** Epoch with the highest validation accuracy (the earliest of equal ones), as the History table's best epoch. */
  bestEpoch: number
  bestValAccuracy: number
  /** Epoch with the lowest validation loss. */
  lowestValLossEpoch: number | null
  epochsTrained: number
  /** Epochs trained after the best one: what early stopping at the best epoch would have saved. */
  epochsPastBest: number
  gapAtBest: GapPoint
  gapAtEnd: GapPoint
}

type Epoch = Pick<EpochMetric, 'epoch' | 'phase' | 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy'>

export function gapPoints(epochs: readonly Epoch[]): GapPoint[] {
  return [...epochs]
    .sort((a, b) => a.epoch - b.epoch)
    .map((e) => ({
      epoch: e.epoch,
      phase: e.phase,
      accuracyGap: e.valAccuracy === null ? null : e.accuracy - e.valAccuracy,
      lossGap: e.valLoss === null ? null : e.valLoss - e.loss,
    }))
}

/** The gap curve and the best epoch; null when no epoch has a validation accuracy. */
export function overfittingSummary(epochs: readonly Epoch[]): OverfittingSummary | null {
  const points = gapPoints(epochs)
  const sorted = [...epochs].sort((a, b) => a.epoch - b.epoch)
  let best: Epoch | null = null
  let lowest: Epoch | null = null
  for (const e of sorted) {
    if (e.valAccuracy !== null && (best === null || e.valAccuracy > best.valAccuracy!)) best = e
    if (e.valLoss !== null && (lowest === null || e.valLoss < lowest.valLoss!)) lowest = e
  }
  if (!best) return null
  const bestEpoch = best.epoch
  return {
    points,
    bestEpoch,
    bestValAccuracy: best.valAccuracy!,
    lowestValLossEpoch: lowest?.epoch ?? null,
    epochsTrained: sorted.length,
    epochsPastBest: sorted.filter((e) => e.epoch > bestEpoch).length,
    gapAtBest: points.find((p) => p.epoch === bestEpoch)!,
    gapAtEnd: points[points.length - 1]!,
  }
}

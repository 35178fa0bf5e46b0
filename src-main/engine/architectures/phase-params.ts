import type { Phase, PhaseParams } from '@shared/index'
import type * as tf from '../tf'

/**
 * The parameters a phase trains and keeps frozen, counted from the model's weights as its trainable
 * flags stand now (call after setPhase): a weight counts as trainable only when tfjs would update it,
 * so BatchNormalization's moving statistics stay on the frozen side.
 */
export function countPhaseParams(model: tf.LayersModel, phase: Phase, unfrozenLayerNames: readonly string[]): PhaseParams {
  const seen = new Set<number>()
  let trainable = 0
  let total = 0
  for (const w of model.weights) {
    if (seen.has(w.id)) continue
    seen.add(w.id)
    const size = w.shape.reduce<number>((a, d) => a * (d ?? 1), 1)
    total += size
    if (w.trainable) trainable += size
  }
  return {
    phase,
    trainableParams: trainable,
    frozenParams: total - trainable,
    unfrozenLayers: unfrozenLayerNames.length,
    firstUnfrozenLayer: unfrozenLayerNames[0] ?? null,
  }
}

import type { ExperimentConfig, FineTuneConfig } from './config'
import { planPhases } from './phases'
import type { EpochMetric, ModelSummary, Phase, PhaseParams } from './run'

/**
 * A run's phases as they happened: the epochs each covered (where the base was unfrozen), the learning
 * rate over them (with the plateau reductions the recorded epochs show) and the parameters each
 * trained and kept frozen. Pure, so Run detail, Compare and the report draw the same timeline.
 */

export interface LearningRateStep {
  /** First epoch trained at this rate. */
  fromEpoch: number
  toEpoch: number
  learningRate: number
}

export interface PhaseParamsShown extends PhaseParams {
  /** recorded: counted by the trainer when the phase began; derived: rebuilt from the model summary. */
  source: 'recorded' | 'derived'
}

export interface PhaseSpan {
  phase: Phase
  plannedEpochs: number
  /** The first and last epoch trained in this phase; null for a phase that never started. */
  firstEpoch: number | null
  lastEpoch: number | null
  plannedLearningRate: number
  /** The rates the recorded epochs trained at, in order; a new step within a phase is a plateau reduction. */
  rates: LearningRateStep[]
  params: PhaseParamsShown | null
}

export interface PhaseTimeline {
  phases: PhaseSpan[]
  /** The first fine-tuning epoch (where the base was unfrozen); null without one. */
  unfreezeEpoch: number | null
}

type RunLike = {
  config: ExperimentConfig
  epochs: readonly Pick<EpochMetric, 'epoch' | 'phase' | 'learningRate'>[]
  modelSummary: ModelSummary | null
  phaseParams?: readonly PhaseParams[]
}

function rateSteps(epochs: RunLike['epochs']): LearningRateStep[] {
  const steps: LearningRateStep[] = []
  for (const e of epochs) {
    const last = steps[steps.length - 1]
    // Rates are compared relatively: a reduction is a factor < 1, float noise is not.
    if (last && Math.abs(last.learningRate - e.learningRate) <= 1e-9 * Math.max(last.learningRate, e.learningRate))
      last.toEpoch = e.epoch
    else steps.push({ fromEpoch: e.epoch, toEpoch: e.epoch, learningRate: e.learningRate })
  }
  return steps
}

/** Layer classes whose weights are half non-trainable: BatchNormalization's moving mean and variance. */
function trainableShare(className: string, params: number): number {
  return className === 'BatchNormalization' ? params / 2 : params
}

/**
 * The fine-tuning phase's counts rebuilt from the summary the run recorded as built (base frozen,
 * head trainable), by the rule the trainer unfreezes with: the last N base layers that have weights,
 * or every base layer from a named one. Null when the summary cannot say (no summary, unknown layer).
 */
export function deriveFineTuneParams(summary: ModelSummary, fineTune: FineTuneConfig): PhaseParams | null {
  const base = summary.layers.filter((l) => !l.trainable && l.className !== 'InputLayer')
  let start: number
  if (fineTune.fromLayer !== null) {
    start = base.findIndex((l) => l.name === fineTune.fromLayer)
    if (start < 0) return null
  } else if (fineTune.trainableLayers !== null) {
    let counted = 0
    start = base.length
    while (start > 0 && counted < fineTune.trainableLayers) {
      start--
      if (base[start]!.params > 0) counted++
    }
  } else return null
  const unfrozen = base.slice(start).filter((l) => l.params > 0)
  const extra = unfrozen.reduce((sum, l) => sum + trainableShare(l.className, l.params), 0)
  const trainableParams = summary.trainableParams + Math.round(extra)
  return {
    phase: 'finetune',
    trainableParams,
    frozenParams: summary.totalParams - trainableParams,
    unfrozenLayers: unfrozen.length,
    firstUnfrozenLayer: unfrozen[0]?.name ?? null,
  }
}

function paramsOf(run: RunLike, phase: Phase): PhaseParamsShown | null {
  const recorded = run.phaseParams?.find((p) => p.phase === phase)
  if (recorded) return { ...recorded, source: 'recorded' }
  const summary = run.modelSummary
  if (!summary) return null
  // The summary is taken as the model was built, which is the first phase exactly.
  if (phase === 'train')
    return {
      phase,
      trainableParams: summary.trainableParams,
      frozenParams: summary.nonTrainableParams,
      unfrozenLayers: 0,
      firstUnfrozenLayer: null,
      source: 'derived',
    }
  const model = run.config.model
  if (model.kind !== 'transfer') return null
  const derived = deriveFineTuneParams(summary, model.fineTune)
  return derived ? { ...derived, source: 'derived' } : null
}

export function phaseTimeline(run: RunLike): PhaseTimeline {
  const epochs = [...run.epochs].sort((a, b) => a.epoch - b.epoch)
  const phases = planPhases(run.config).map((plan): PhaseSpan => {
    const own = epochs.filter((e) => e.phase === plan.phase)
    return {
      phase: plan.phase,
      plannedEpochs: plan.epochs,
      firstEpoch: own[0]?.epoch ?? null,
      lastEpoch: own[own.length - 1]?.epoch ?? null,
      plannedLearningRate: plan.learningRate,
      rates: rateSteps(own),
      params: paramsOf(run, plan.phase),
    }
  })
  const finetune = phases.find((p) => p.phase === 'finetune')
  return { phases, unfreezeEpoch: finetune?.firstEpoch ?? null }
}

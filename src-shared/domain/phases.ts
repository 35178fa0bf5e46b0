import type { ExperimentConfig, FineTuneConfig } from './config'
import type { Phase } from './run'

/** One phase of a run: how many epochs it trains and at which starting learning rate. */
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

/** Epochs a run trains when nothing stops it early: every phase's, summed. */
export function totalEpochs(config: ExperimentConfig): number {
  return planPhases(config).reduce((sum, plan) => sum + plan.epochs, 0)
}

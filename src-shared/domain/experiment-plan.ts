import { ModelConfig, SEED_CNN, type ExperimentConfig } from './config'

/**
 * Plans that turn one experiment config into several: repeats over seeds, and the matched
 * scratch-vs-transfer pair. Pure, so the form, the core and the CLI plan runs the same way.
 */

/** The most seeds one start may repeat a config over. */
export const MAX_SEEDS = 20

/** `count` consecutive seeds from `first` (clamped to 1…MAX_SEEDS); a single run needs none, so undefined. */
export function seedRange(first: number, count: number): number[] | undefined {
  const n = Number.isFinite(count) ? Math.max(1, Math.min(MAX_SEEDS, Math.floor(count))) : 1
  if (n === 1) return undefined
  return Array.from({ length: n }, (_, i) => first + i)
}

/** One config per seed, the seed set for both weights/shuffling and augmentation and named in the run name. */
export function expandSeeds(config: ExperimentConfig, seeds: readonly number[] | undefined): ExperimentConfig[] {
  if (!seeds || seeds.length === 0) return [config]
  return seeds.map((seed) => ({
    ...config,
    name: `${config.name} (seed ${seed})`,
    training: { ...config.training, seed },
    augmentation: { ...config.augmentation, seed },
  }))
}

/**
 * A matched pair from one config: everything but the model is shared, so comparing the two isolates the
 * model. The config's own model stays on its side (a transfer model only when it uses `baseId`); the
 * other side gets the Seed CNN, or `presetModel` (the base's built-in preset model: VGG16's 32 px Flatten
 * head) else the default head on `baseId`.
 */
export function scratchVsTransfer(
  config: ExperimentConfig,
  baseId: string,
  presetModel: ModelConfig | null = null,
): [ExperimentConfig, ExperimentConfig] {
  const scratch = config.model.kind === 'scratch' ? config.model : structuredClone(SEED_CNN)
  const transfer =
    config.model.kind === 'transfer' && config.model.baseId === baseId
      ? config.model
      : presetModel?.kind === 'transfer'
        ? { ...structuredClone(presetModel), baseId }
        : ModelConfig.parse({ kind: 'transfer', baseId })
  return [
    { ...config, name: `${config.name} · scratch`, model: scratch },
    { ...config, name: `${config.name} · transfer`, model: transfer },
  ]
}

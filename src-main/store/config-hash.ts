import { createHash } from 'node:crypto'
import type { ExperimentConfig } from '@shared/domain/config'

/** JSON with object keys sorted at every level, so equal configs serialise identically. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`
}

/**
 * Identifies "the same experiment": the canonical config without its name and seeds (training seed
 * and augmentation seed), so runs repeated over several seeds share a hash.
 */
export function configHash(config: ExperimentConfig): string {
  const { name: _name, ...rest } = config
  const { seed: _trainingSeed, ...training } = rest.training
  const { seed: _augmentationSeed, ...augmentation } = rest.augmentation
  const identity = { ...rest, training, augmentation }
  return createHash('sha256').update(canonicalJson(identity)).digest('hex')
}

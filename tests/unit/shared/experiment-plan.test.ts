import { describe, expect, it } from 'vitest'
import { ExperimentConfig, SEED_CNN } from '@shared/domain/config'
import { expandSeeds, MAX_SEEDS, scratchVsTransfer, seedRange } from '@shared/domain/experiment-plan'
import { trainingMethods } from '@shared/contract/methods'

const config = (model: unknown = { kind: 'scratch', convBlocks: 3, filters: [16, 32, 64] }): ExperimentConfig =>
  ExperimentConfig.parse({
    name: 'Pair',
    data: { datasetId: 'cifar', trainSubset: 500 },
    model,
    training: { epochs: 4, learningRate: 5e-4, seed: 9 },
    augmentation: { enabled: true, horizontalFlip: true, seed: 3 },
  })

describe('seedRange', () => {
  it('gives consecutive seeds from the first, and none for a single run', () => {
    expect(seedRange(42, 3)).toEqual([42, 43, 44])
    expect(seedRange(42, 1)).toBeUndefined()
  })

  it('clamps the count to 1…MAX_SEEDS and ignores fractions and non-numbers', () => {
    expect(seedRange(0, 0)).toBeUndefined()
    expect(seedRange(0, -5)).toBeUndefined()
    expect(seedRange(0, Number.NaN)).toBeUndefined()
    expect(seedRange(5, 2.9)).toEqual([5, 6])
    expect(seedRange(1, 500)).toHaveLength(MAX_SEEDS)
  })

  it('never asks for more seeds than training.start accepts', () => {
    const seeds = seedRange(0, MAX_SEEDS + 1)
    expect(trainingMethods['training.start'].input.safeParse({ config: config(), seeds }).success).toBe(true)
    const tooMany = Array.from({ length: MAX_SEEDS + 1 }, (_, i) => i)
    expect(trainingMethods['training.start'].input.safeParse({ config: config(), seeds: tooMany }).success).toBe(false)
  })
})

describe('expandSeeds', () => {
  it('keeps a config without seeds as the one run', () => {
    const c = config()
    expect(expandSeeds(c, undefined)).toEqual([c])
    expect(expandSeeds(c, [])).toEqual([c])
  })

  it('makes one valid config per seed, seeding weights, shuffling and augmentation, named by seed', () => {
    const c = config()
    const runs = expandSeeds(c, [7, 8])
    expect(runs.map((r) => r.name)).toEqual(['Pair (seed 7)', 'Pair (seed 8)'])
    expect(runs.map((r) => [r.training.seed, r.augmentation.seed])).toEqual([
      [7, 7],
      [8, 8],
    ])
    for (const r of runs) {
      expect(ExperimentConfig.parse(r)).toEqual(r)
      expect(r.model).toEqual(c.model)
      expect(r.training.learningRate).toBe(5e-4)
      expect(r.augmentation.horizontalFlip).toBe(true)
    }
    expect(c.training.seed).toBe(9) // the input is not changed
  })
})

describe('scratchVsTransfer', () => {
  it('shares everything but the model and keeps a scratch model on the scratch side', () => {
    const c = config()
    const [scratch, transfer] = scratchVsTransfer(c, 'mobilenetv2-imagenet')
    expect(scratch.name).toBe('Pair · scratch')
    expect(transfer.name).toBe('Pair · transfer')
    expect(scratch.model).toEqual(c.model)
    expect(transfer.model).toEqual(ExperimentConfig.shape.model.parse({ kind: 'transfer', baseId: 'mobilenetv2-imagenet' }))
    for (const side of [scratch, transfer]) {
      expect(ExperimentConfig.parse(side)).toEqual(side)
      expect(side.data).toEqual(c.data)
      expect(side.training).toEqual(c.training)
      expect(side.augmentation).toEqual(c.augmentation)
      expect(side.backend).toBe(c.backend)
    }
  })

  it('pairs a transfer config with the Seed CNN and keeps its own head when the base matches', () => {
    const c = config({ kind: 'transfer', baseId: 'squeezenet1.1-imagenet', headUnits: 64, inputSize: 64 })
    const [scratch, transfer] = scratchVsTransfer(c, 'squeezenet1.1-imagenet')
    expect(scratch.model).toEqual(SEED_CNN)
    expect(scratch.model).not.toBe(SEED_CNN) // a copy: editing a run's config cannot change the constant
    expect(transfer.model).toEqual(c.model)
  })

  it('gives the chosen base the default head when the config fine-tunes another base', () => {
    const c = config({ kind: 'transfer', baseId: 'squeezenet1.1-imagenet', headUnits: 64 })
    const [, transfer] = scratchVsTransfer(c, 'mobilenetv2-imagenet')
    expect(transfer.model).toMatchObject({ kind: 'transfer', baseId: 'mobilenetv2-imagenet', headUnits: 256 })
  })
})

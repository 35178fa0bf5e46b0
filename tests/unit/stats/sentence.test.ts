import { describe, expect, it } from 'vitest'
import {
  describeStats,
  mcnemarExact,
  pairedBootstrap,
  seedsNeeded,
  summarize,
  welchTTest,
  type CompareStats,
} from '@shared/stats'

const runs: CompareStats['runs'] = [
  {
    id: 'run-a',
    name: 'transfer',
    configHash: 'h1',
    testAccuracy: 0.81,
    testImages: 10000,
    predictions: 'stored',
    missingReason: null,
  },
  {
    id: 'run-b',
    name: 'scratch',
    configHash: 'h2',
    testAccuracy: 0.712,
    testImages: 10000,
    predictions: 'stored',
    missingReason: null,
  },
]
const paired = (difference: number, p: number, low: number, high: number): CompareStats['pair'] => ({
  paired: true,
  a: 'run-a',
  b: 'run-b',
  images: 10000,
  accuracyA: 0.71 + difference,
  accuracyB: 0.71,
  difference,
  discordance: { both: 6000, onlyA: 1500, onlyB: 520, neither: 1980 },
  mcnemarP: p,
  bootstrap: { low, high, resamples: 2000, seed: 1 },
})
const stats = (pair: CompareStats['pair'], extra: Partial<CompareStats> = {}): CompareStats => ({
  runs,
  pair,
  groups: [],
  groupComparison: null,
  sentence: '',
  ...extra,
})

describe('the statistics sentence', () => {
  it('says who is ahead, by how much, the interval and the McNemar p, in English and Spanish', () => {
    const s = stats(paired(0.098, 1e-40, 0.091, 0.105))
    expect(describeStats(s, 'en')).toBe(
      'transfer is ahead of scratch by 9.8 points (95% CI 9.1 to 10.5); McNemar p < 0.001 on 10,000 paired test images.',
    )
    expect(describeStats(s, 'es')).toBe(
      'transfer supera a scratch por 9,8 puntos (IC 95 % 9,1 a 10,5); McNemar p < 0,001 en 10.000 imágenes de test emparejadas.',
    )
  })

  it('puts the leader first when the second run is better', () => {
    expect(describeStats(stats(paired(-0.021, 0.004, -0.03, -0.012)), 'en')).toBe(
      'scratch is ahead of transfer by 2.1 points (95% CI 1.2 to 3.0); McNemar p = 0.004 on 10,000 paired test images.',
    )
  })

  it('says plainly when a difference is not significant', () => {
    expect(describeStats(stats(paired(0.004, 0.27, -0.003, 0.011)), 'en')).toBe(
      'transfer is ahead of scratch by 0.4 points (95% CI -0.3 to 1.1), but the difference is not significant (McNemar p = 0.27 on 10,000 paired test images).',
    )
  })

  it('says plainly when the runs did not use the same test images', () => {
    const s = stats({
      paired: false,
      a: 'run-a',
      b: 'run-b',
      reason: 'different-images',
      reasonRun: null,
      accuracyA: 0.81,
      accuracyB: 0.712,
    })
    expect(describeStats(s, 'en')).toBe(
      'transfer and scratch were not tested on the same images (different test subsets), so no paired test applies; their test accuracies are 81.0% and 71.2%.',
    )
    expect(describeStats(s, 'es')).toMatch(
      /^transfer y scratch no se evaluaron con las mismas imágenes \(subconjuntos de test distintos\)/,
    )
  })

  it('leads with the groups of seeds, and sizes a difference that is not significant', () => {
    const a = [0.62, 0.6, 0.64, 0.61, 0.63]
    const b = [0.6, 0.61, 0.62, 0.59, 0.63]
    const welch = welchTTest(a, b)!
    const need = seedsNeeded(a, b)!
    expect(welch.p).toBeGreaterThan(0.05)
    expect(need).toBeGreaterThan(5)
    const group = (configHash: string, name: string, values: number[]) => ({ configHash, name, runIds: [], ...summarize(values) })
    const s = stats(null, {
      groups: [group('h1', 'transfer', a), group('h2', 'scratch', b)],
      groupComparison: {
        a: 'h1',
        b: 'h2',
        difference: welch.difference,
        welch: { t: welch.t, df: welch.df, p: welch.p, ci95: welch.ci95 },
        seedsNeeded: need,
      },
    })
    expect(describeStats(s, 'en')).toMatch(
      new RegExp(
        `^transfer \\(5 seeds\\) is ahead of scratch \\(5 seeds\\) by 1\\.0 points \\(95% CI -1\\.\\d to 3\\.\\d\\), but the difference is not significant \\(Welch p = 0\\.\\d+\\); about ${need} seeds per group would resolve it\\.$`,
      ),
    )
  })
})

describe('edge cases of the statistics', () => {
  it('McNemar with no discordant images is p = 1, and a tie is p = 1', () => {
    expect(mcnemarExact(0, 0)).toBe(1)
    expect(mcnemarExact(5, 5)).toBe(1)
    // 0 of 10 discordant images went to B: 2 / 2^10.
    expect(mcnemarExact(10, 0)).toBeCloseTo(2 / 1024, 15)
  })

  it('the bootstrap is deterministic for a seed and collapses on identical runs', () => {
    const a = Uint8Array.from({ length: 500 }, (_, i) => (i % 3 ? 1 : 0))
    const b = Uint8Array.from({ length: 500 }, (_, i) => (i % 4 ? 1 : 0))
    expect(pairedBootstrap(a, b, 300, 7)).toEqual(pairedBootstrap(a, b, 300, 7))
    expect(pairedBootstrap(a, a, 300, 7)).toMatchObject({ low: 0, high: 0 })
  })

  it('groups of one run have no spread, no interval and no Welch test', () => {
    expect(summarize([0.7])).toEqual({ n: 1, mean: 0.7, std: null, ci95: null })
    expect(welchTTest([0.7], [0.6, 0.65])).toBeNull()
    expect(welchTTest([0.7, 0.7], [0.6, 0.6])).toBeNull()
    expect(seedsNeeded([0.7, 0.7], [0.7, 0.7])).toBeNull()
  })
})

describe('numbers in the sentence', () => {
  it('an interval end just below zero reads 0.0, not -0.0', () => {
    const s = stats(paired(0.13, 0.053, -0.0001, 0.25))
    expect(describeStats(s, 'en')).toContain('(95% CI 0.0 to 25.0)')
  })
})

describe('runs without per-image predictions', () => {
  it('are said to be not comparable image by image, naming the run, not to have used other images', () => {
    const s = stats({
      paired: false,
      a: 'run-a',
      b: 'run-b',
      reason: 'no-predictions',
      reasonRun: 'run-b',
      accuracyA: 0.81,
      accuracyB: 0.712,
    })
    expect(describeStats(s, 'en')).toBe(
      'transfer and scratch cannot be compared image by image (no per-image predictions for scratch), so no paired test applies; their test accuracies are 81.0% and 71.2%.',
    )
    expect(describeStats(s, 'es')).toMatch(
      /^transfer y scratch no se pueden comparar imagen por imagen \(sin predicciones por imagen de scratch\)/,
    )
  })
})

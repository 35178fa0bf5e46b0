import type { DataConfig } from '@shared/domain/config'
import { Rng } from './rng'

export interface SplitIndices {
  /** Indices into the dataset's train arrays. */
  train: Int32Array
  /** Indices into the dataset's train arrays (held out from training). */
  validation: Int32Array
  /** Indices into the dataset's test arrays; used for the final evaluation only. */
  test: Int32Array
}

type SplitOptions = Pick<DataConfig, 'validationSplit' | 'trainSubset' | 'testSubset' | 'splitSeed'>

/** Indices of each class, in ascending order. */
function byClass(labels: Uint8Array, numClasses: number, what: string): number[][] {
  const groups: number[][] = Array.from({ length: numClasses }, () => [])
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!
    if (label >= numClasses) throw new Error(`makeSplits: ${what} label ${label} at index ${i} is outside 0..${numClasses - 1}`)
    groups[label]!.push(i)
  }
  return groups
}

/**
 * How many of `take` to draw from each class so the draw keeps the class proportions
 * (largest-remainder rounding: the counts add up to `take` exactly).
 */
export function stratifiedCounts(sizes: number[], take: number): number[] {
  const total = sizes.reduce((a, b) => a + b, 0)
  if (take >= total) return sizes.slice()
  const exact = sizes.map((s) => (s * take) / total)
  const counts = exact.map(Math.floor)
  let left = take - counts.reduce((a, b) => a + b, 0)
  const order = exact.map((e, i) => ({ i, frac: e - Math.floor(e) })).sort((a, b) => b.frac - a.frac || a.i - b.i)
  for (const { i } of order) {
    if (left === 0) break
    if (counts[i]! < sizes[i]!) {
      counts[i]!++
      left--
    }
  }
  return counts
}

function sorted(values: number[]): Int32Array {
  return Int32Array.from(values).sort()
}

/** A stratified, seeded draw of `take` indices out of `groups` (null = all). */
function subset(groups: number[][], take: number | null, rng: Rng): number[] {
  if (take === null) return groups.flat()
  const counts = stratifiedCounts(
    groups.map((g) => g.length),
    take,
  )
  return groups.flatMap((g, c) => rng.shuffle(g.slice()).slice(0, counts[c]))
}

/**
 * Train/validation/test indices: validation is a stratified, seeded fraction of the training set;
 * optional subsets are drawn (stratified, seeded) from what is left of train and from test.
 * Same labels + same options → same indices, on every machine.
 */
export function makeSplits(
  trainLabels: Uint8Array,
  testLabels: Uint8Array,
  data: SplitOptions,
  numClasses: number,
): SplitIndices {
  if (!(data.validationSplit > 0 && data.validationSplit < 1)) {
    throw new Error(`makeSplits: validationSplit must be in (0, 1), got ${data.validationSplit}`)
  }
  const rng = new Rng(data.splitSeed)
  const trainGroups = byClass(trainLabels, numClasses, 'train')
  const testGroups = byClass(testLabels, numClasses, 'test')

  const valCounts = stratifiedCounts(
    trainGroups.map((g) => g.length),
    Math.round(trainLabels.length * data.validationSplit),
  )
  const validation: number[] = []
  const rest: number[][] = []
  trainGroups.forEach((group, c) => {
    const shuffled = rng.shuffle(group.slice())
    const n = valCounts[c]!
    validation.push(...shuffled.slice(0, n))
    rest.push(shuffled.slice(n).sort((a, b) => a - b))
  })
  const train = subset(rest, data.trainSubset, rng)
  const test = subset(testGroups, data.testSubset, rng)
  return { train: sorted(train), validation: sorted(validation), test: sorted(test) }
}

import { describe, expect, it } from 'vitest'
import { makeSplits, stratifiedCounts } from '../../../src-main/data/splits'

/** Labels with uneven class sizes: class c has 100 + 20c images, interleaved. */
function unevenLabels(numClasses: number): Uint8Array {
  const out: number[] = []
  for (let c = 0; c < numClasses; c++) for (let i = 0; i < 100 + 20 * c; i++) out.push(c)
  // Deterministic interleave so classes are not contiguous.
  return Uint8Array.from(
    out
      .map((label, i) => ({ label, key: (i * 7919) % out.length }))
      .sort((a, b) => a.key - b.key)
      .map((x) => x.label),
  )
}

function countPerClass(labels: Uint8Array, idx: Int32Array, k: number): number[] {
  const counts = new Array<number>(k).fill(0)
  for (const i of idx) counts[labels[i]!]!++
  return counts
}

describe('makeSplits', () => {
  const train = unevenLabels(4)
  const test = unevenLabels(4)
  const base = { validationSplit: 0.1, trainSubset: null, testSubset: null, splitSeed: 42 }

  it('takes a stratified validation fraction from train, disjoint, covering every index once', () => {
    const s = makeSplits(train, test, base, 4)
    expect(s.validation.length).toBe(Math.round(train.length * 0.1))
    const all = [...s.train, ...s.validation].sort((a, b) => a - b)
    expect(all).toEqual(Array.from({ length: train.length }, (_, i) => i))
    const perClass = countPerClass(train, s.validation, 4)
    const sizes = countPerClass(train, Int32Array.from(train.keys()), 4)
    perClass.forEach((n, c) => expect(Math.abs(n - sizes[c]! * 0.1)).toBeLessThanOrEqual(1))
    expect(s.test.length).toBe(test.length)
  })

  it('is deterministic for a seed and changes with it', () => {
    const a = makeSplits(train, test, base, 4)
    const b = makeSplits(train, test, base, 4)
    const c = makeSplits(train, test, { ...base, splitSeed: 43 }, 4)
    expect([...a.validation]).toEqual([...b.validation])
    expect([...a.validation]).not.toEqual([...c.validation])
  })

  it('draws stratified subsets of train (after validation) and test', () => {
    const s = makeSplits(train, test, { ...base, trainSubset: 100, testSubset: 50 }, 4)
    expect(s.train.length).toBe(100)
    expect(s.test.length).toBe(50)
    const val = new Set(s.validation)
    for (const i of s.train) expect(val.has(i)).toBe(false)
    const sizes = countPerClass(train, Int32Array.from(train.keys()), 4)
    const got = countPerClass(train, s.train, 4)
    got.forEach((n, c) => expect(Math.abs(n - (sizes[c]! * 100) / train.length)).toBeLessThanOrEqual(1))
  })

  it('refuses labels outside the class range', () => {
    expect(() => makeSplits(Uint8Array.from([0, 1, 5]), new Uint8Array(0), base, 2)).toThrow(/label 5 at index 2/)
  })
})

describe('stratifiedCounts', () => {
  it('adds up exactly and keeps proportions', () => {
    expect(stratifiedCounts([5000, 5000, 5000], 5000)).toEqual([1667, 1667, 1666])
    expect(stratifiedCounts([10, 30], 8)).toEqual([2, 6])
    expect(stratifiedCounts([3, 3], 100)).toEqual([3, 3])
  })
})

import { describe, expect, it } from 'vitest'
import { confusionCellImages, flippedImages } from '@shared/stats'
import { decodePredictions, encodePredictions, topKPredictions } from '../../../src-main/engine/evaluation/predictions'

const CLASSES = 5
const COUNT = 400

/** Seeded softmax-like outputs: each run is right on a different, overlapping part of the images. */
function run(seed: number, labels: number[], skill: number): Float32Array {
  let state = seed
  const rand = () => ((state = (state * 1103515245 + 12345) >>> 0) >>> 8) / 2 ** 24
  const probs = new Float32Array(labels.length * CLASSES)
  labels.forEach((label, i) => {
    const row = Array.from({ length: CLASSES }, () => rand())
    if (rand() < skill) row[label]! += 1.5
    const sum = row.reduce((a, b) => a + b, 0)
    row.forEach((v, c) => (probs[i * CLASSES + c] = v / sum))
  })
  return probs
}

const argmax = (probs: Float32Array, i: number) => {
  let best = 0
  for (let c = 1; c < CLASSES; c++) if (probs[i * CLASSES + c]! > probs[i * CLASSES + best]!) best = c
  return best
}

const labels = Array.from({ length: COUNT }, (_, i) => (i * 7) % CLASSES)
const indices = labels.map((_, i) => 1000 + i * 3)
const probsA = run(11, labels, 0.7)
const probsB = run(29, labels, 0.5)
// Through the file format, as the service reads them.
const a = decodePredictions(encodePredictions(topKPredictions(probsA, labels, indices, CLASSES)))
const b = decodePredictions(encodePredictions(topKPredictions(probsB, labels, indices, CLASSES)))

describe('flipped images between two runs', () => {
  it('lists exactly the images one run gets right and the other wrong, from the raw outputs', () => {
    const flips = flippedImages(a, b, { limit: 200 })
    const expectA = labels.flatMap((l, i) => (argmax(probsA, i) === l && argmax(probsB, i) !== l ? [indices[i]] : []))
    const expectB = labels.flatMap((l, i) => (argmax(probsB, i) === l && argmax(probsA, i) !== l ? [indices[i]] : []))
    expect(expectA.length).toBeGreaterThan(20)
    expect(expectB.length).toBeGreaterThan(10)
    expect(flips.onlyA.total).toBe(expectA.length)
    expect(flips.onlyB.total).toBe(expectB.length)
    expect(flips.onlyA.images.map((f) => f.index).sort((x, y) => x - y)).toEqual(expectA)
    expect(flips.onlyB.images.map((f) => f.index).sort((x, y) => x - y)).toEqual(expectB)
    for (const f of flips.onlyA.images) {
      const i = indices.indexOf(f.index)
      expect(f.trueClass).toBe(labels[i])
      expect(f.a.predicted).toBe(labels[i])
      expect(f.b.predicted).toBe(argmax(probsB, i))
      expect(Math.abs(f.b.confidence - probsB[i * CLASSES + f.b.predicted]!)).toBeLessThan(1e-4)
    }
  })

  it('puts the wrong run’s most confident mistakes first and cuts at the limit, keeping the total', () => {
    const full = flippedImages(a, b, { limit: 200 })
    const cut = flippedImages(a, b, { limit: 5 })
    expect(cut.onlyA.images).toEqual(full.onlyA.images.slice(0, 5))
    expect(cut.onlyA.total).toBe(full.onlyA.total)
    const confB = full.onlyA.images.map((f) => f.b.confidence)
    expect(confB).toEqual([...confB].sort((x, y) => y - x))
    const confA = full.onlyB.images.map((f) => f.a.confidence)
    expect(confA).toEqual([...confA].sort((x, y) => y - x))
  })

  it('filters by true class, and the classes add up to the whole', () => {
    const all = flippedImages(a, b, { limit: 200 })
    let sum = 0
    for (let c = 0; c < CLASSES; c++) {
      const only = flippedImages(a, b, { trueClass: c, limit: 200 })
      expect(only.onlyA.images.every((f) => f.trueClass === c)).toBe(true)
      expect(only.onlyB.images.every((f) => f.trueClass === c)).toBe(true)
      sum += only.onlyA.total + only.onlyB.total
    }
    expect(sum).toBe(all.onlyA.total + all.onlyB.total)
  })

  it('refuses runs evaluated on different images', () => {
    const other = topKPredictions(
      probsB,
      labels,
      indices.map((i) => i + 1),
      CLASSES,
    )
    expect(() => flippedImages(a, other, { limit: 10 })).toThrow(/same test images/)
  })
})

describe('the images of a confusion-matrix cell', () => {
  it('matches the confusion matrix counted from the raw outputs, most confident first', () => {
    let seen = 0
    for (let t = 0; t < CLASSES; t++)
      for (let p = 0; p < CLASSES; p++) {
        const expected = labels.flatMap((l, i) => (l === t && argmax(probsA, i) === p ? [indices[i]] : []))
        const cell = confusionCellImages(a, t, p, 200)
        expect(cell.total).toBe(expected.length)
        expect(cell.images.map((x) => x.index).sort((x, y) => x - y)).toEqual(expected)
        expect(cell.images.every((x) => x.trueClass === t && x.predicted === p)).toBe(true)
        const conf = cell.images.map((x) => x.confidence)
        expect(conf).toEqual([...conf].sort((x, y) => y - x))
        seen += cell.total
      }
    expect(seen).toBe(COUNT)
    expect(confusionCellImages(a, 0, 1, 3).images).toHaveLength(Math.min(3, confusionCellImages(a, 0, 1, 200).total))
  })
})

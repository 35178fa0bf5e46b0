import { describe, expect, it } from 'vitest'
import {
  decodePredictions,
  encodePredictions,
  predictedClasses,
  PredictionsFileError,
  topKPredictions,
} from '../../../src-main/engine/evaluation/predictions'

function sample() {
  // Three images, four classes; image 1 ties classes 0 and 2 (argmax keeps the lower class).
  const probs = Float32Array.from([0.1, 0.6, 0.2, 0.1, 0.4, 0.1, 0.4, 0.1, 0.05, 0.05, 0.1, 0.8])
  return topKPredictions(probs, [1, 2, 0], [7, 70, 700], 4, 3)
}

describe('the predictions file', () => {
  it('round-trips classes, labels, dataset indices and probabilities (quantised to 1/65535)', () => {
    const p = sample()
    expect(Array.from(p.topClasses)).toEqual([1, 2, 0, 0, 2, 1, 3, 2, 0])
    expect(Array.from(predictedClasses(p))).toEqual([1, 0, 3])
    const back = decodePredictions(encodePredictions(p))
    expect(back.count).toBe(3)
    expect(back.k).toBe(3)
    expect(back.numClasses).toBe(4)
    expect(Array.from(back.datasetIndices)).toEqual([7, 70, 700])
    expect(Array.from(back.labels)).toEqual([1, 2, 0])
    expect(Array.from(back.topClasses)).toEqual(Array.from(p.topClasses))
    back.topProbs.forEach((v, i) => expect(Math.abs(v - p.topProbs[i]!)).toBeLessThanOrEqual(0.5 / 65535 + 1e-7))
  })

  it('keeps k to the number of classes', () => {
    const p = topKPredictions(Float32Array.from([0.3, 0.7]), [1], [0], 2, 5)
    expect(p.k).toBe(2)
  })

  it('refuses a truncated, corrupted, foreign or future file with a clear error', () => {
    const bytes = encodePredictions(sample())
    expect(() => decodePredictions(bytes.subarray(0, bytes.length - 3), 'p.bin')).toThrow(
      /p\.bin: \d+ bytes, expected \d+ for 3 images at k = 3 \(truncated or corrupt\)/,
    )
    expect(() => decodePredictions(bytes.subarray(0, 10), 'p.bin')).toThrow(/too short/)
    const flipped = Buffer.from(bytes)
    flipped[20] = flipped[20]! ^ 0xff
    expect(() => decodePredictions(flipped, 'p.bin')).toThrow(/checksum mismatch/)
    const foreign = Buffer.from(bytes)
    foreign.write('PNG!', 0, 'latin1')
    expect(() => decodePredictions(foreign, 'p.bin')).toThrow(/bad magic/)
    const future = Buffer.from(bytes)
    future.writeUInt16LE(9, 4)
    expect(() => decodePredictions(future, 'p.bin')).toThrow(/version 9, this build reads version 1/)
    expect(() => decodePredictions(future)).toThrow(PredictionsFileError)
  })

  it('refuses inputs the format cannot hold', () => {
    expect(() => topKPredictions(new Float32Array(256 * 2), [0, 1], [0, 1], 256)).toThrow(/256 classes do not fit/)
    expect(() => topKPredictions(new Float32Array(5), [0, 1], [0, 1], 3)).toThrow(/5 probabilities for 2 images × 3 classes/)
  })
})

import { describe, expect, it } from 'vitest'
import { oneHot, preprocessPixels } from '../../../src-main/data/preprocess'

describe('preprocessPixels', () => {
  const px = Uint8Array.from([0, 128, 255, 10, 20, 30])

  it('unit scales to 0..1', () => {
    const out = preprocessPixels(px, 'unit')
    expect(out[0]).toBe(0)
    expect(out[2]).toBe(1)
    expect(out[1]).toBeCloseTo(128 / 255, 6)
  })

  it('minus-one-one scales to [-1, 1]', () => {
    const out = preprocessPixels(px, 'minus-one-one')
    expect(out[0]).toBe(-1)
    expect(out[2]).toBeCloseTo(1, 6)
  })

  it('imagenet-mean-std normalises each channel with its own mean and std', () => {
    const out = preprocessPixels(px, 'imagenet-mean-std')
    expect(out[0]).toBeCloseTo((0 - 0.485) / 0.229, 5)
    expect(out[1]).toBeCloseTo((128 / 255 - 0.456) / 0.224, 5)
    expect(out[2]).toBeCloseTo((1 - 0.406) / 0.225, 5)
  })

  it('caffe flips to BGR and subtracts the BGR means', () => {
    const out = preprocessPixels(px, 'caffe')
    expect(out[0]).toBeCloseTo(255 - 103.939, 4) // B is the third RGB value
    expect(out[1]).toBeCloseTo(128 - 116.779, 4)
    expect(out[2]).toBeCloseTo(0 - 123.68, 4)
    expect(out[3]).toBeCloseTo(30 - 103.939, 4)
  })
})

describe('oneHot', () => {
  it('sets exactly one 1 per row and refuses out-of-range labels', () => {
    expect([...oneHot([2, 0], 3)]).toEqual([0, 0, 1, 1, 0, 0])
    expect(() => oneHot([3], 3)).toThrow(/label 3 at index 0/)
  })
})

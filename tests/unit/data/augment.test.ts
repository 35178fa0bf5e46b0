import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { AugmentationConfig } from '@shared/domain/config'
import { Augmenter, applyTransform, type ImageTransform } from '../../../src-main/data/augment'

const none: ImageTransform = { theta: 0, tx: 0, ty: 0, zx: 1, zy: 1, flip: false }

/** A w×h image whose pixel (r, c) is (r*10 + c, 100 + r, 200 - c): every position is distinct. */
function gradient(h: number, w: number): Uint8Array {
  const px = new Uint8Array(h * w * 3)
  for (let r = 0; r < h; r++)
    for (let c = 0; c < w; c++) {
      const o = (r * w + c) * 3
      px[o] = r * 10 + c
      px[o + 1] = 100 + r
      px[o + 2] = 200 - c
    }
  return px
}

function at(px: Uint8Array, w: number, r: number, c: number): number[] {
  const o = (r * w + c) * 3
  return [px[o]!, px[o + 1]!, px[o + 2]!]
}

function run(
  t: Partial<ImageTransform>,
  fillMode: AugmentationConfig['fillMode'],
  h = 5,
  w = 5,
  interpolation: 'bilinear' | 'nearest' = 'bilinear',
): Uint8Array {
  const src = gradient(h, w)
  const dst = new Uint8Array(src.length)
  applyTransform(src, dst, h, w, { ...none, ...t }, { fillMode, cval: 7 }, interpolation)
  return dst
}

describe('applyTransform', () => {
  const src = gradient(5, 5)

  it('leaves the image unchanged for the identity', () => {
    expect([...run({}, 'nearest')]).toEqual([...src])
  })

  it('shifts by whole pixels exactly, filling the edge per fill mode', () => {
    const nearest = run({ ty: 2 }, 'nearest')
    const reflect = run({ ty: 2 }, 'reflect')
    const constant = run({ ty: 2 }, 'constant')
    for (let r = 0; r < 5; r++) {
      for (let c = 0; c < 3; c++) {
        expect(at(nearest, 5, r, c)).toEqual(at(src, 5, r, c + 2))
        expect(at(constant, 5, r, c)).toEqual(at(src, 5, r, c + 2))
      }
      expect(at(nearest, 5, r, 4)).toEqual(at(src, 5, r, 4))
      // reflect is half-sample symmetric: column 5 → 4, column 6 → 3
      expect(at(reflect, 5, r, 3)).toEqual(at(src, 5, r, 4))
      expect(at(reflect, 5, r, 4)).toEqual(at(src, 5, r, 3))
      expect(at(constant, 5, r, 3)).toEqual([7, 7, 7])
      expect(at(constant, 5, r, 4)).toEqual([7, 7, 7])
    }
    // A row shift moves rows.
    const down = run({ tx: 1 }, 'nearest')
    expect(at(down, 5, 0, 2)).toEqual(at(src, 5, 1, 2))
  })

  it('interpolates bilinearly between pixels on a half-pixel shift', () => {
    const out = run({ ty: 0.5 }, 'nearest')
    const [a, b] = [at(src, 5, 2, 1), at(src, 5, 2, 2)]
    expect(at(out, 5, 2, 1)).toEqual(a.map((v, k) => Math.round((v + b[k]!) / 2)))
  })

  it('rotates about Keras’ centre (size/2 + 0.5)', () => {
    // 90°: input row = −(c − 3) + 3, input col = (r − 3) + 3 for a 5×5 image (centre 3).
    const out = run({ theta: 90 }, 'nearest', 5, 5, 'nearest')
    expect(at(out, 5, 1, 2)).toEqual(at(src, 5, 4, 1))
    expect(at(out, 5, 3, 3)).toEqual(at(src, 5, 3, 3))
    expect(at(out, 5, 4, 4)).toEqual(at(src, 5, 2, 4))
  })

  it('zooms about the centre', () => {
    // zoom 0.5 shows the middle at twice the size: output (1,1) reads input (2,2).
    const out = run({ zx: 0.5, zy: 0.5 }, 'nearest', 5, 5, 'nearest')
    expect(at(out, 5, 1, 1)).toEqual(at(src, 5, 2, 2))
    expect(at(out, 5, 3, 3)).toEqual(at(src, 5, 3, 3))
  })

  it('flips horizontally after the transform', () => {
    const out = run({ flip: true }, 'nearest')
    for (let r = 0; r < 5; r++) for (let c = 0; c < 5; c++) expect(at(out, 5, r, c)).toEqual(at(src, 5, r, 4 - c))
    const shiftedFlip = run({ ty: 1, flip: true }, 'nearest')
    const shifted = run({ ty: 1 }, 'nearest')
    expect(at(shiftedFlip, 5, 2, 0)).toEqual(at(shifted, 5, 2, 4))
  })
})

describe('Augmenter', () => {
  const config = AugmentationConfig.parse({
    enabled: true,
    rotationRange: 15,
    widthShiftRange: 0.1,
    heightShiftRange: 0.1,
    horizontalFlip: true,
    zoomRange: 0.1,
  })
  const batch = new Uint8Array(16 * 8 * 8 * 3).map((_, i) => (i * 37) % 256)

  it('is deterministic for a seed and differs across seeds', () => {
    const a = new Augmenter(config, 3).augmentBatch(batch, 16, 8, 8)
    const b = new Augmenter(config, 3).augmentBatch(batch, 16, 8, 8)
    const c = new Augmenter(config, 4).augmentBatch(batch, 16, 8, 8)
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true)
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false)
    expect(Buffer.from(a).equals(Buffer.from(batch))).toBe(false)
  })

  it('draws parameters uniformly over the configured ranges', () => {
    const aug = new Augmenter(config, 11)
    const draws = Array.from({ length: 2000 }, () => aug.randomTransform(32, 32))
    const span = (xs: number[]) => [Math.min(...xs), Math.max(...xs)]
    const [tMin, tMax] = span(draws.map((d) => d.theta))
    expect(tMin).toBeGreaterThanOrEqual(-15)
    expect(tMax).toBeLessThanOrEqual(15)
    expect(tMin).toBeLessThan(-14)
    expect(tMax).toBeGreaterThan(14)
    const [sMin, sMax] = span(draws.map((d) => d.ty))
    expect(sMin).toBeGreaterThanOrEqual(-3.2)
    expect(sMax).toBeLessThanOrEqual(3.2)
    const [zMin, zMax] = span(draws.flatMap((d) => [d.zx, d.zy]))
    expect(zMin).toBeGreaterThanOrEqual(0.9)
    expect(zMax).toBeLessThanOrEqual(1.1)
    const flips = draws.filter((d) => d.flip).length
    expect(flips).toBeGreaterThan(900)
    expect(flips).toBeLessThan(1100)
  })

  it('with nothing enabled returns the batch unchanged', () => {
    const plain = new Augmenter(AugmentationConfig.parse({}), 1).augmentBatch(batch, 16, 8, 8)
    expect(Buffer.from(plain).equals(Buffer.from(batch))).toBe(true)
  })
})

describe('equivalence with Keras', () => {
  interface Case {
    theta: number
    tx: number
    ty: number
    zx: number
    zy: number
    mode: AugmentationConfig['fillMode']
    order: 0 | 1
    out: number[]
  }
  const ref = JSON.parse(readFileSync(join(__dirname, 'keras-affine-reference.json'), 'utf8')) as {
    height: number
    width: number
    cases: Case[]
  }
  const src = new Uint8Array(ref.height * ref.width * 3).map((_, i) => (i * 37) % 251)

  it.each(ref.cases.map((c) => [`θ=${c.theta} t=(${c.tx},${c.ty}) z=(${c.zx},${c.zy}) ${c.mode} order ${c.order}`, c] as const))(
    'matches scipy through Keras apply_affine_transform to rounding: %s',
    (_, c) => {
      // Keras (channels_last) swaps the matrix axes before scipy, so its tx/zx act on columns and its
      // rotation turns the other way; here tx/zx are rows and ty/zy columns, as the names say.
      const t: ImageTransform = { theta: -c.theta, tx: c.ty, ty: c.tx, zx: c.zy, zy: c.zx, flip: false }
      const dst = new Uint8Array(src.length)
      applyTransform(src, dst, ref.height, ref.width, t, { fillMode: c.mode, cval: 9 }, c.order === 1 ? 'bilinear' : 'nearest')
      let worst = 0
      dst.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - c.out[i]!))))
      expect(worst).toBeLessThanOrEqual(0.5 + 1e-6)
    },
  )
})

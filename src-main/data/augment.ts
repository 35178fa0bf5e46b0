import type { AugmentationConfig } from '@shared/domain/config'
import { Rng } from './rng'

export type Interpolation = 'bilinear' | 'nearest'

/** The random parameters of one image's transform (Keras' `get_random_transform`). */
export interface ImageTransform {
  /** Degrees, counter-clockwise. */
  theta: number
  /** Shift in pixels along rows (height) and columns (width). */
  tx: number
  ty: number
  /** Zoom along rows and columns; > 1 shows a smaller part of the image (zooms out). */
  zx: number
  zy: number
  flip: boolean
}

type AugmentOptions = Omit<AugmentationConfig, 'enabled' | 'seed'>

/**
 * On-the-fly augmentation equivalent to Keras' ImageDataGenerator(rotation_range, width_shift_range,
 * height_shift_range, zoom_range, horizontal_flip, fill_mode, cval): per image one random affine
 * transform (rotation · shift · zoom about the image centre, mapped output → input as
 * scipy.ndimage.affine_transform does), sampled bilinearly (Keras' interpolation_order=1) or by
 * nearest neighbour, then the horizontal flip. NHWC uint8 in and out; results are rounded to uint8.
 * Seeded: the same seed gives the same stream of batches.
 *
 * The per-image transform matches scipy through Keras' apply_affine_transform to rounding (see
 * tests/unit/data/keras-affine-reference.json). One deliberate difference: Keras 2.9+ swaps the
 * axes for channels_last images, so its width_shift_range moves images vertically and
 * height_shift_range horizontally (keras-team/tf-keras#310); here each moves along the axis its name
 * says. With equal ranges (the usual setting) and square images the two draw the same transforms.
 * The `enabled` flag is the caller's to check.
 */
export class Augmenter {
  private readonly rng: Rng
  private readonly options: AugmentOptions
  readonly interpolation: Interpolation

  constructor(config: AugmentOptions & { seed?: number }, seed: number, opts: { interpolation?: Interpolation } = {}) {
    this.options = config
    this.rng = new Rng(seed)
    this.interpolation = opts.interpolation ?? 'bilinear'
  }

  /** Draws one image's parameters, in Keras' order: rotation, shifts, zoom, flip. */
  randomTransform(h: number, w: number): ImageTransform {
    const o = this.options
    const theta = o.rotationRange ? this.rng.uniform(-o.rotationRange, o.rotationRange) : 0
    const tx = o.heightShiftRange ? this.rng.uniform(-o.heightShiftRange, o.heightShiftRange) * h : 0
    const ty = o.widthShiftRange ? this.rng.uniform(-o.widthShiftRange, o.widthShiftRange) * w : 0
    let zx = 1
    let zy = 1
    if (o.zoomRange) {
      zx = this.rng.uniform(1 - o.zoomRange, 1 + o.zoomRange)
      zy = this.rng.uniform(1 - o.zoomRange, 1 + o.zoomRange)
    }
    const flip = o.horizontalFlip ? this.rng.next() < 0.5 : false
    return { theta, tx, ty, zx, zy, flip }
  }

  /** Augments n images of h×w×3 (NHWC); returns a new array, the input is left unchanged. */
  augmentBatch(pixels: Uint8Array, n: number, h: number, w: number): Uint8Array {
    const size = h * w * 3
    if (pixels.length < n * size) throw new Error(`augmentBatch: ${pixels.length} values cannot hold ${n} images of ${h}x${w}x3`)
    const out = new Uint8Array(n * size)
    for (let i = 0; i < n; i++) {
      const t = this.randomTransform(h, w)
      applyTransform(
        pixels.subarray(i * size, (i + 1) * size),
        out.subarray(i * size, (i + 1) * size),
        h,
        w,
        t,
        this.options,
        this.interpolation,
      )
    }
    return out
  }
}

/** scipy.ndimage boundary modes, on integer indices. */
function mapIndex(i: number, n: number, mode: AugmentationConfig['fillMode']): number {
  if (i >= 0 && i < n) return i
  if (mode === 'nearest') return i < 0 ? 0 : n - 1
  // reflect: half-sample symmetric, d c b a | a b c d | d c b a (period 2n)
  const period = 2 * n
  let j = i % period
  if (j < 0) j += period
  return j < n ? j : period - 1 - j
}

/** Applies one transform to a single h×w×3 image (src → dst). */
export function applyTransform(
  src: Uint8Array,
  dst: Uint8Array,
  h: number,
  w: number,
  t: ImageTransform,
  options: Pick<AugmentationConfig, 'fillMode' | 'cval'>,
  interpolation: Interpolation,
): void {
  const identity = t.theta === 0 && t.tx === 0 && t.ty === 0 && t.zx === 1 && t.zy === 1
  if (identity) {
    if (!t.flip) {
      dst.set(src)
      return
    }
    for (let r = 0; r < h; r++) {
      for (let c = 0; c < w; c++) {
        const o = (r * w + c) * 3
        const s = (r * w + (w - 1 - c)) * 3
        dst[o] = src[s]!
        dst[o + 1] = src[s + 1]!
        dst[o + 2] = src[s + 2]!
      }
    }
    return
  }
  const rad = (t.theta * Math.PI) / 180
  const cos = Math.cos(rad)
  const sin = Math.sin(rad)
  // M = R · T · Z in (row, col) coordinates; input = M · (output − centre) + centre.
  const a00 = cos * t.zx
  const a01 = -sin * t.zy
  const a10 = sin * t.zx
  const a11 = cos * t.zy
  const b0 = cos * t.tx - sin * t.ty
  const b1 = sin * t.tx + cos * t.ty
  // Keras' transform_matrix_offset_center uses size/2 + 0.5 as the centre; kept for equivalence.
  const or = h / 2 + 0.5
  const oc = w / 2 + 0.5
  const mode = options.fillMode
  const cval = options.cval
  const nearest = interpolation === 'nearest'
  const eps = 1e-6
  for (let r = 0; r < h; r++) {
    const dr = r - or
    for (let c = 0; c < w; c++) {
      // The horizontal flip follows the transform: output column c shows transformed column w-1-c.
      const dc = (t.flip ? w - 1 - c : c) - oc
      const y = a00 * dr + a01 * dc + b0 + or
      const x = a10 * dr + a11 * dc + b1 + oc
      const o = (r * w + c) * 3
      if (mode === 'constant' && (y < -eps || y > h - 1 + eps || x < -eps || x > w - 1 + eps)) {
        dst[o] = dst[o + 1] = dst[o + 2] = cval
        continue
      }
      if (nearest) {
        const s = (mapIndex(Math.round(y), h, mode) * w + mapIndex(Math.round(x), w, mode)) * 3
        dst[o] = src[s]!
        dst[o + 1] = src[s + 1]!
        dst[o + 2] = src[s + 2]!
        continue
      }
      const y0 = Math.floor(y)
      const x0 = Math.floor(x)
      const fy = y - y0
      const fx = x - x0
      const r0 = mapIndex(y0, h, mode) * w
      const r1 = mapIndex(y0 + 1, h, mode) * w
      const c0 = mapIndex(x0, w, mode)
      const c1 = mapIndex(x0 + 1, w, mode)
      const s00 = (r0 + c0) * 3
      const s01 = (r0 + c1) * 3
      const s10 = (r1 + c0) * 3
      const s11 = (r1 + c1) * 3
      const w00 = (1 - fy) * (1 - fx)
      const w01 = (1 - fy) * fx
      const w10 = fy * (1 - fx)
      const w11 = fy * fx
      for (let k = 0; k < 3; k++) {
        const v = src[s00 + k]! * w00 + src[s01 + k]! * w01 + src[s10 + k]! * w10 + src[s11 + k]! * w11
        dst[o + k] = v + 0.5 // Uint8Array assignment truncates: +0.5 rounds; v is within 0..255
      }
    }
  }
}

import type { Preprocessing } from '@shared/domain/model'
import { preprocessPixels } from '../../data'
import * as tf from '../tf'
import { gatherPixels } from './batches'
import type { FeatureRows } from './feature-cache'

/**
 * One split as the trainer sees it: `count` positions, a label per position, and a way to build the
 * model input for a run of positions. Pixel splits read the dataset's uint8 cache by index; feature
 * splits read rows of cached base features.
 */
export interface SplitSource {
  readonly count: number
  readonly labels: Int32Array
  /** The model input for positions order[start..end); `augment` maps uint8 NHWC pixels (pixel splits only). */
  input(
    order: ArrayLike<number>,
    start: number,
    end: number,
    augment?: ((pixels: Uint8Array, n: number) => Uint8Array) | null,
  ): tf.Tensor
}

export interface PixelSplitOptions {
  images: Uint8Array
  labels: Uint8Array
  height: number
  width: number
  /** Indices of this split's images in the dataset arrays. */
  indices: Int32Array
  preprocessing: Preprocessing
  /** Square side the model expects; images are resized bilinearly when it differs. */
  inputSize: number
}

export class PixelSplit implements SplitSource {
  readonly count: number
  readonly labels: Int32Array

  constructor(private readonly o: PixelSplitOptions) {
    this.count = o.indices.length
    this.labels = Int32Array.from(o.indices, (i) => o.labels[i]!)
  }

  /** Dataset index of a position (for mistakes, which name images of the dataset's split). */
  datasetIndex(position: number): number {
    return this.o.indices[position]!
  }

  input(
    order: ArrayLike<number>,
    start: number,
    end: number,
    augment?: ((pixels: Uint8Array, n: number) => Uint8Array) | null,
  ): tf.Tensor {
    const { height, width, inputSize } = this.o
    const n = end - start
    const positions = new Int32Array(n)
    for (let i = 0; i < n; i++) positions[i] = this.o.indices[order[start + i]!]!
    let pixels = gatherPixels({ images: this.o.images, labels: this.o.labels, height, width }, positions, 0, n)
    if (augment) pixels = augment(pixels, n)
    const values = preprocessPixels(pixels, this.o.preprocessing)
    return tf.tidy(() => {
      const x = tf.tensor4d(values, [n, height, width, 3])
      return inputSize === height && inputSize === width ? x : tf.image.resizeBilinear(x, [inputSize, inputSize])
    })
  }
}

/** Cached base features: one row per position of the split, each of `rowShape` (in memory or on disk). */
export class FeatureSplit implements SplitSource {
  readonly count: number

  constructor(
    private readonly rows: FeatureRows,
    private readonly rowShape: number[],
    readonly labels: Int32Array,
  ) {
    this.count = labels.length
    if (rows.count !== this.count) throw new Error(`feature rows hold ${rows.count} rows, expected ${this.count}`)
  }

  input(order: ArrayLike<number>, start: number, end: number): tf.Tensor {
    return tf.tensor(this.rows.gather(order, start, end), [end - start, ...this.rowShape])
  }
}

/** Class probabilities computed elsewhere (the GPU engine), one row per position: the input of an identity forward pass. */
export class ProbabilitySplit implements SplitSource {
  readonly count: number

  constructor(
    private readonly probabilities: Float32Array,
    readonly labels: Int32Array,
    private readonly numClasses: number,
  ) {
    this.count = labels.length
    if (probabilities.length !== this.count * numClasses) {
      throw new Error(`${probabilities.length} probabilities for ${this.count} positions of ${numClasses} classes`)
    }
  }

  input(order: ArrayLike<number>, start: number, end: number): tf.Tensor {
    const k = this.numClasses
    const rows = new Float32Array((end - start) * k)
    for (let i = start; i < end; i++) rows.set(this.probabilities.subarray(order[i]! * k, (order[i]! + 1) * k), (i - start) * k)
    return tf.tensor2d(rows, [end - start, k])
  }
}

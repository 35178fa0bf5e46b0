// The three kernels of a convolution's training step, timed one by one on the conv layers of the
// Seed CNN and of VGG16 at 32 px (batch 64): Conv2D (forward), Conv2DBackpropInput and
// Conv2DBackpropFilter. The two gradients cost the forward's multiply-adds each, so on one backend
// they should take about as long; tfjs 4.22's webgpu Conv2DBackpropFilter is a naive program (one
// invocation per filter weight, summing batch × height × width serially), and the filter / input
// ratio says whether it is the step's bottleneck on a real GPU.
import { readValues } from '../../src-main/engine/backend/read'
import * as tf from '../../src-main/engine/tf'

export interface ConvShape {
  layer: string
  /** NHWC input of the layer. */
  input: [number, number, number, number]
  /** Output channels (3×3 kernels, stride 1, same padding, as in both networks). */
  filters: number
}

export const CONV_SHAPES: readonly ConvShape[] = [
  { layer: 'Seed CNN block1_conv1', input: [64, 32, 32, 3], filters: 32 },
  { layer: 'Seed CNN block2_conv1', input: [64, 16, 16, 32], filters: 64 },
  { layer: 'Seed CNN block3_conv1', input: [64, 8, 8, 64], filters: 128 },
  { layer: 'VGG16 block1_conv2', input: [64, 32, 32, 64], filters: 64 },
  { layer: 'VGG16 block3_conv2', input: [64, 8, 8, 256], filters: 256 },
  { layer: 'VGG16 block5_conv2', input: [64, 2, 2, 512], filters: 512 },
]

export interface ConvTiming {
  layer: string
  /** Best time of one call, in ms (a scalar is read back after each, so the call has finished). */
  forwardMs: number
  backpropInputMs: number
  backpropFilterMs: number
  /** Multiply-adds of each of the three, in millions. */
  mmacs: number
}

/** Times each kernel `reps` times after `warmup` untimed calls; the best call counts. */
export async function timeConvKernels(shape: ConvShape, options: { reps: number; warmup: number }): Promise<ConvTiming> {
  const [n, h, w, c] = shape.input
  const filterShape: [number, number, number, number] = [3, 3, c, shape.filters]
  const x = tf.randomUniform<tf.Rank.R4>(shape.input, -1, 1, 'float32', 1)
  const filter = tf.randomUniform<tf.Rank.R4>(filterShape, -0.1, 0.1, 'float32', 2)
  const dy = tf.randomUniform<tf.Rank.R4>([n, h, w, shape.filters], -1, 1, 'float32', 3)
  const best = async (kernel: () => tf.Tensor): Promise<number> => {
    let fastest = Number.POSITIVE_INFINITY
    for (let i = 0; i < options.warmup + options.reps; i++) {
      const t0 = performance.now()
      const total = tf.tidy(() => tf.sum(kernel()))
      await readValues(total)
      const ms = performance.now() - t0
      total.dispose()
      if (i >= options.warmup) fastest = Math.min(fastest, ms)
    }
    return fastest
  }
  try {
    const attrs = { strides: [1, 1], pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape }
    return {
      layer: shape.layer,
      forwardMs: await best(() => tf.conv2d(x, filter, 1, 'same')),
      backpropInputMs: await best(() => tf.conv2dTranspose(dy, filter, shape.input, 1, 'same')),
      backpropFilterMs: await best(() =>
        tf.engine().runKernel<tf.Tensor>(tf.Conv2DBackpropFilter, { x, dy }, attrs as unknown as tf.NamedAttrMap),
      ),
      mmacs: (n * h * w * 9 * c * shape.filters) / 1e6,
    }
  } finally {
    tf.dispose([x, filter, dy])
  }
}

import * as tf from '../../tf'
import type { H5Weight, StandIn } from './h5-weights'

type T = tf.SymbolicTensor
const apply = (layer: tf.layers.Layer, x: T | T[]) => layer.apply(x) as T
const bn = (name: string) => tf.layers.batchNormalization({ epsilon: 1e-3, name })
const swish = (name: string) => tf.layers.activation({ activation: 'swish', name })

/** Keras' ImageNet standard deviations; its ImageNet graph divides by their square roots once more. */
export const EFFICIENTNET_STDDEV_RGB = [0.229, 0.224, 0.225] as const

/** Keras' `imagenet_utils.correct_pad` for an input of unknown size (as the .h5 is loaded). */
const correctPad = (kernel: number): [[number, number], [number, number]] => [
  [Math.floor(kernel / 2) - 1, Math.floor(kernel / 2)],
  [Math.floor(kernel / 2) - 1, Math.floor(kernel / 2)],
]

interface BlockArgs {
  kernel: number
  repeats: number
  filtersIn: number
  filtersOut: number
  expandRatio: number
  strides: number
}

/** Keras' `DEFAULT_BLOCKS_ARGS` (all with se_ratio 0.25 and id_skip). */
const BLOCKS: BlockArgs[] = [
  { kernel: 3, repeats: 1, filtersIn: 32, filtersOut: 16, expandRatio: 1, strides: 1 },
  { kernel: 3, repeats: 2, filtersIn: 16, filtersOut: 24, expandRatio: 6, strides: 2 },
  { kernel: 5, repeats: 2, filtersIn: 24, filtersOut: 40, expandRatio: 6, strides: 2 },
  { kernel: 3, repeats: 3, filtersIn: 40, filtersOut: 80, expandRatio: 6, strides: 2 },
  { kernel: 5, repeats: 3, filtersIn: 80, filtersOut: 112, expandRatio: 6, strides: 1 },
  { kernel: 5, repeats: 4, filtersIn: 112, filtersOut: 192, expandRatio: 6, strides: 2 },
  { kernel: 3, repeats: 1, filtersIn: 192, filtersOut: 320, expandRatio: 6, strides: 1 },
]

/** Keras' efficientnet `block` with its layer names (`block2a_expand_conv`, …, `block2b_add`). */
function block(inputs: T, a: BlockArgs, name: string): T {
  const filters = a.filtersIn * a.expandRatio
  let x = inputs
  if (a.expandRatio !== 1) {
    x = apply(tf.layers.conv2d({ filters, kernelSize: 1, padding: 'same', useBias: false, name: `${name}expand_conv` }), x)
    x = apply(swish(`${name}expand_activation`), apply(bn(`${name}expand_bn`), x))
  }
  if (a.strides === 2) x = apply(tf.layers.zeroPadding2d({ padding: correctPad(a.kernel), name: `${name}dwconv_pad` }), x)
  x = apply(
    tf.layers.depthwiseConv2d({
      kernelSize: a.kernel,
      strides: a.strides,
      padding: a.strides === 2 ? 'valid' : 'same',
      useBias: false,
      name: `${name}dwconv`,
    }),
    x,
  )
  x = apply(swish(`${name}activation`), apply(bn(`${name}bn`), x))
  const filtersSe = Math.max(1, Math.floor(a.filtersIn * 0.25))
  let se = apply(tf.layers.globalAveragePooling2d({ name: `${name}se_squeeze` }), x)
  se = apply(tf.layers.reshape({ targetShape: [1, 1, filters], name: `${name}se_reshape` }), se)
  se = apply(
    tf.layers.conv2d({ filters: filtersSe, kernelSize: 1, padding: 'same', activation: 'swish', name: `${name}se_reduce` }),
    se,
  )
  se = apply(tf.layers.conv2d({ filters, kernelSize: 1, padding: 'same', activation: 'sigmoid', name: `${name}se_expand` }), se)
  x = apply(tf.layers.multiply({ name: `${name}se_excite` }), [x, se])
  x = apply(
    tf.layers.conv2d({ filters: a.filtersOut, kernelSize: 1, padding: 'same', useBias: false, name: `${name}project_conv` }),
    x,
  )
  x = apply(bn(`${name}project_bn`), x)
  // Keras' stochastic-depth Dropout before this add has no weights and is the identity at inference; it is left out.
  if (a.strides === 1 && a.filtersIn === a.filtersOut) x = apply(tf.layers.add({ name: `${name}add` }), [x, inputs])
  return x
}

/**
 * Keras' EfficientNetB0 without its top (`keras/applications/efficientnet.py`, include_top=False),
 * as built for its ImageNet weights: the model takes 0..255 pixels and rescales them (1/255),
 * normalises them with the file's ImageNet mean and variance (Keras' Normalization layer, here a
 * BatchNormalization named `normalization` whose scale also carries Keras' extra 1/sqrt(std)
 * Rescaling, see `efficientNetNormalization`), then the stem, 16 blocks and the top conv.
 */
export function efficientNetB0NoTop(inputSize: number | null = null): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input_1' })
  let x = apply(tf.layers.rescaling({ scale: 1 / 255, name: 'rescaling' }), input)
  x = apply(tf.layers.batchNormalization({ epsilon: 1e-7, name: 'normalization' }), x)
  x = apply(tf.layers.zeroPadding2d({ padding: correctPad(3), name: 'stem_conv_pad' }), x)
  x = apply(tf.layers.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, name: 'stem_conv' }), x)
  x = apply(swish('stem_activation'), apply(bn('stem_bn'), x))
  BLOCKS.forEach((args, i) => {
    for (let j = 0; j < args.repeats; j++) {
      const a = j === 0 ? args : { ...args, strides: 1, filtersIn: args.filtersOut }
      x = block(x, a, `block${i + 1}${String.fromCharCode(97 + j)}_`)
    }
  })
  x = apply(tf.layers.conv2d({ filters: 1280, kernelSize: 1, padding: 'same', useBias: false, name: 'top_conv' }), x)
  x = apply(swish('top_activation'), apply(bn('top_bn'), x))
  return tf.model({ inputs: input, outputs: x, name: 'efficientnetb0' })
}

/**
 * Keras' Normalization layer stores [mean, variance, count]; the BatchNormalization standing in for
 * it takes [gamma, beta, moving mean, moving variance]: gamma is the 1/sqrt(std) that Keras' ImageNet
 * graph applies after it, beta 0.
 */
export const EFFICIENTNET_NORMALIZATION: StandIn = {
  kerasClass: 'Normalization',
  adapt(stored, file) {
    const [mean, variance] = stored
    const ok = (w: H5Weight | undefined) => w !== undefined && w.values.length === 3
    if (stored.length !== 3 || !ok(mean) || !ok(variance)) {
      throw new Error(`${file}: layer "normalization" should hold a mean, a variance and a count of 3 channels`)
    }
    const gamma = Float32Array.from(EFFICIENTNET_STDDEV_RGB, (s) => 1 / Math.sqrt(s))
    return [
      { name: 'normalization/gamma', shape: [3], values: gamma },
      { name: 'normalization/beta', shape: [3], values: new Float32Array(3) },
      { ...mean!, shape: [3] },
      { ...variance!, shape: [3] },
    ]
  },
}

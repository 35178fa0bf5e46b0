import * as tf from '../../tf'

type Pad = [[number, number], [number, number]]

/** Keras' `correct_pad`: the padding a stride-2 3x3 conv needs to match TF's asymmetric "same". */
function correctPad(size: number | null): Pad {
  const adjust = size === null ? 1 : 1 - (size % 2)
  return [
    [1 - adjust, 1],
    [1 - adjust, 1],
  ]
}

function makeDivisible(v: number, divisor = 8): number {
  let next = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor)
  if (next < 0.9 * v) next += divisor
  return next
}

const bn = (name: string) => tf.layers.batchNormalization({ epsilon: 1e-3, momentum: 0.999, name })
const relu6 = (name: string) => tf.layers.reLU({ maxValue: 6, name })

/** Keras' `_inverted_res_block` with its layer names. */
function invertedResBlock(
  input: tf.SymbolicTensor,
  state: { size: number | null },
  filters: number,
  stride: number,
  expansion: number,
  blockId: number,
): tf.SymbolicTensor {
  const inChannels = input.shape[input.shape.length - 1] as number
  const pointwiseFilters = makeDivisible(filters)
  let x = input
  let prefix = `block_${blockId}_`
  if (blockId > 0) {
    x = tf.layers
      .conv2d({ filters: expansion * inChannels, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}expand` })
      .apply(x) as tf.SymbolicTensor
    x = bn(`${prefix}expand_BN`).apply(x) as tf.SymbolicTensor
    x = relu6(`${prefix}expand_relu`).apply(x) as tf.SymbolicTensor
  } else {
    prefix = 'expanded_conv_'
  }
  if (stride === 2) {
    x = tf.layers.zeroPadding2d({ padding: correctPad(state.size), name: `${prefix}pad` }).apply(x) as tf.SymbolicTensor
  }
  x = tf.layers
    .depthwiseConv2d({
      kernelSize: 3,
      strides: stride,
      useBias: false,
      padding: stride === 1 ? 'same' : 'valid',
      name: `${prefix}depthwise`,
    })
    .apply(x) as tf.SymbolicTensor
  if (stride === 2 && state.size !== null) state.size = Math.ceil(state.size / 2)
  x = bn(`${prefix}depthwise_BN`).apply(x) as tf.SymbolicTensor
  x = relu6(`${prefix}depthwise_relu`).apply(x) as tf.SymbolicTensor
  x = tf.layers
    .conv2d({ filters: pointwiseFilters, kernelSize: 1, padding: 'same', useBias: false, name: `${prefix}project` })
    .apply(x) as tf.SymbolicTensor
  x = bn(`${prefix}project_BN`).apply(x) as tf.SymbolicTensor
  if (inChannels === pointwiseFilters && stride === 1) {
    return tf.layers.add({ name: `${prefix}add` }).apply([input, x]) as tf.SymbolicTensor
  }
  return x
}

/**
 * Keras' MobileNetV2 (alpha 1.0) without its top, as in `keras/applications/mobilenet_v2.py`:
 * Conv1 is a stride-2 "same" conv (TF pads bottom/right), and every later stride-2 depthwise conv
 * gets Keras' asymmetric ZeroPadding2D (`correct_pad`) and "valid" padding.
 */
export function mobileNetV2NoTop(inputSize: number | null = null): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input_1' })
  const state = { size: inputSize === null ? null : Math.ceil(inputSize / 2) }
  let x = tf.layers
    .conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false, name: 'Conv1' })
    .apply(input) as tf.SymbolicTensor
  x = bn('bn_Conv1').apply(x) as tf.SymbolicTensor
  x = relu6('Conv1_relu').apply(x) as tf.SymbolicTensor
  const blocks: Array<[filters: number, stride: number, expansion: number]> = [
    [16, 1, 1],
    [24, 2, 6],
    [24, 1, 6],
    [32, 2, 6],
    [32, 1, 6],
    [32, 1, 6],
    [64, 2, 6],
    [64, 1, 6],
    [64, 1, 6],
    [64, 1, 6],
    [96, 1, 6],
    [96, 1, 6],
    [96, 1, 6],
    [160, 2, 6],
    [160, 1, 6],
    [160, 1, 6],
    [320, 1, 6],
  ]
  blocks.forEach(([filters, stride, expansion], id) => {
    x = invertedResBlock(x, state, filters, stride, expansion, id)
  })
  x = tf.layers.conv2d({ filters: 1280, kernelSize: 1, useBias: false, name: 'Conv_1' }).apply(x) as tf.SymbolicTensor
  x = bn('Conv_1_bn').apply(x) as tf.SymbolicTensor
  x = relu6('out_relu').apply(x) as tf.SymbolicTensor
  return tf.model({ inputs: input, outputs: x, name: 'mobilenetv2_1.00' })
}

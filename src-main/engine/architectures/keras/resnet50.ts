import * as tf from '../../tf'

type T = tf.SymbolicTensor
const apply = (layer: tf.layers.Layer, x: T | T[]) => layer.apply(x) as T
const bn = (name: string) => tf.layers.batchNormalization({ epsilon: 1.001e-5, name })
const relu = (name: string) => tf.layers.activation({ activation: 'relu', name })

/** Keras' `block1` (resnet.py): 1x1 (carrying the stride) - 3x3 - 1x1 ×4, conv or identity shortcut. */
function block(x: T, filters: number, stride: number, convShortcut: boolean, name: string): T {
  let shortcut = x
  if (convShortcut) {
    shortcut = apply(tf.layers.conv2d({ filters: 4 * filters, kernelSize: 1, strides: stride, name: `${name}_0_conv` }), x)
    shortcut = apply(bn(`${name}_0_bn`), shortcut)
  }
  let y = apply(tf.layers.conv2d({ filters, kernelSize: 1, strides: stride, name: `${name}_1_conv` }), x)
  y = apply(relu(`${name}_1_relu`), apply(bn(`${name}_1_bn`), y))
  y = apply(tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same', name: `${name}_2_conv` }), y)
  y = apply(relu(`${name}_2_relu`), apply(bn(`${name}_2_bn`), y))
  y = apply(tf.layers.conv2d({ filters: 4 * filters, kernelSize: 1, name: `${name}_3_conv` }), y)
  y = apply(bn(`${name}_3_bn`), y)
  return apply(relu(`${name}_out`), apply(tf.layers.add({ name: `${name}_add` }), [shortcut, y]))
}

/** Keras' `stack1`: a first block with the stride and a conv shortcut, then identity blocks. */
function stack(x: T, filters: number, blocks: number, stride: number, name: string): T {
  x = block(x, filters, stride, true, `${name}_block1`)
  for (let i = 2; i <= blocks; i++) x = block(x, filters, 1, false, `${name}_block${i}`)
  return x
}

/** Keras' ResNet50 without its top, layer for layer (`keras/applications/resnet.py`, include_top=False). */
export function resnet50NoTop(inputSize: number | null = null): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input_1' })
  let x = apply(tf.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }), input)
  x = apply(tf.layers.conv2d({ filters: 64, kernelSize: 7, strides: 2, name: 'conv1_conv' }), x)
  x = apply(relu('conv1_relu'), apply(bn('conv1_bn'), x))
  x = apply(tf.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }), x)
  x = apply(tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x)
  x = stack(x, 64, 3, 1, 'conv2')
  x = stack(x, 128, 4, 2, 'conv3')
  x = stack(x, 256, 6, 2, 'conv4')
  x = stack(x, 512, 3, 2, 'conv5')
  return tf.model({ inputs: input, outputs: x, name: 'resnet50' })
}

import * as tf from '../../tf'

/** Keras' VGG16 without its top, layer for layer (`keras/applications/vgg16.py`, include_top=False). */
export function vgg16NoTop(inputSize: number | null = null): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input_1' })
  const blocks: Array<[number, number]> = [
    [64, 2],
    [128, 2],
    [256, 3],
    [512, 3],
    [512, 3],
  ]
  let x: tf.SymbolicTensor = input
  blocks.forEach(([filters, convs], b) => {
    for (let c = 1; c <= convs; c++) {
      x = tf.layers
        .conv2d({ filters, kernelSize: 3, padding: 'same', activation: 'relu', name: `block${b + 1}_conv${c}` })
        .apply(x) as tf.SymbolicTensor
    }
    x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b + 1}_pool` }).apply(x) as tf.SymbolicTensor
  })
  return tf.model({ inputs: input, outputs: x, name: 'vgg16' })
}

import * as tf from '../tf'
import type { ScratchModelConfig } from '@shared/index'
import { deriveSeed } from './seeds'
import type { BuiltModel } from './types'

export interface ScratchOptions {
  numClasses: number
  imageSize: number
  seed: number
}

/**
 * A VGG-style CNN from scratch, in the manner of Keras' `applications/vgg16.py`: blocks of
 * `convsPerBlock` same-padded convolutions (optionally batch-normalised) and a 2x2 max pool, then
 * Flatten or global average pooling, one hidden Dense layer and a softmax classifier.
 * Every layer is named; every kernel gets its own seed derived from `seed` and the layer name.
 */
export function buildScratchModel(config: ScratchModelConfig, opts: ScratchOptions): tf.LayersModel {
  if (config.filters.length !== config.convBlocks) {
    throw new Error(`model.filters has ${config.filters.length} entries but convBlocks is ${config.convBlocks}`)
  }
  const kernel = (name: string) => tf.initializers.glorotUniform({ seed: deriveSeed(opts.seed, name) })
  const dropout = (name: string) => tf.layers.dropout({ rate: config.dropout, seed: deriveSeed(opts.seed, name), name })

  const input = tf.input({ shape: [opts.imageSize, opts.imageSize, 3], name: 'input' })
  let x: tf.SymbolicTensor = input
  let size = opts.imageSize
  for (let b = 1; b <= config.convBlocks; b++) {
    const filters = config.filters[b - 1]!
    for (let c = 1; c <= config.convsPerBlock; c++) {
      const name = `block${b}_conv${c}`
      x = tf.layers
        .conv2d({
          filters,
          kernelSize: config.kernelSize,
          padding: 'same',
          // With batch norm the activation follows the normalisation, and the bias is redundant.
          activation: config.batchNorm ? 'linear' : 'relu',
          useBias: !config.batchNorm,
          kernelInitializer: kernel(name),
          name,
        })
        .apply(x) as tf.SymbolicTensor
      if (config.batchNorm) {
        x = tf.layers.batchNormalization({ name: `block${b}_bn${c}` }).apply(x) as tf.SymbolicTensor
        x = tf.layers.activation({ activation: 'relu', name: `block${b}_relu${c}` }).apply(x) as tf.SymbolicTensor
      }
    }
    if (size >= 2) {
      x = tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${b}_pool` }).apply(x) as tf.SymbolicTensor
      size = Math.floor(size / 2)
    }
    if (config.dropout > 0) x = dropout(`block${b}_dropout`).apply(x) as tf.SymbolicTensor
  }
  x =
    config.pooling === 'gap'
      ? (tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor)
      : (tf.layers.flatten({ name: 'flatten' }).apply(x) as tf.SymbolicTensor)
  x = tf.layers
    .dense({ units: config.denseUnits, activation: 'relu', kernelInitializer: kernel('fc1'), name: 'fc1' })
    .apply(x) as tf.SymbolicTensor
  if (config.dropout > 0) x = dropout('fc1_dropout').apply(x) as tf.SymbolicTensor
  const output = tf.layers
    .dense({ units: opts.numClasses, activation: 'softmax', kernelInitializer: kernel('predictions'), name: 'predictions' })
    .apply(x) as tf.SymbolicTensor
  return tf.model({ inputs: input, outputs: output, name: 'scratch_cnn' })
}

export function buildScratch(config: ScratchModelConfig, opts: ScratchOptions): BuiltModel {
  const model = buildScratchModel(config, opts)
  return {
    model,
    inputSize: opts.imageSize,
    preprocessing: 'unit',
    featureExtractor: null,
    head: null,
    setPhase(phase) {
      if (phase === 'finetune') throw new Error('a model from scratch has no fine-tuning phase')
      return { trainableLayerNames: model.layers.filter((l) => l.weights.length > 0).map((l) => l.name) }
    },
  }
}

import h5wasm from 'h5wasm/node'
import type { GraphLayer, ModelGraph } from './model-graph'

/** The Keras release whose `.keras` layout this writes (any Keras 3 reads it). */
export const KERAS_FORMAT_VERSION = '3.5.0'

type Json = Record<string, unknown>

/** Keras' `naming.to_snake_case`: the name Keras 3 gives a layer's group in a weights file. */
export function kerasSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
}

const ACTIVATIONS: Record<string, string> = {
  linear: 'linear',
  relu: 'relu',
  relu6: 'relu6',
  softmax: 'softmax',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  elu: 'elu',
  selu: 'selu',
  softplus: 'softplus',
  softsign: 'softsign',
  swish: 'silu',
  // tfjs' hardSigmoid (0.2x + 0.5) has no Keras 3 name: Keras 3's hard_sigmoid is relu6(x + 3) / 6.
}

function activation(value: unknown, layer: string): string {
  const key = typeof value === 'string' ? value : 'linear'
  const name = value === undefined || value === null || typeof value === 'string' ? ACTIVATIONS[key] : undefined
  if (!name) throw new Error(`activation ${JSON.stringify(value)} of layer "${layer}" has no Keras 3 equivalent here`)
  return name
}

const pick = (c: Json, keys: string[]): Json => Object.fromEntries(keys.filter((k) => k in c).map((k) => [k, c[k]]))

/** The Keras 3 config of one layer, from its TensorFlow.js (Keras 2 style) config. */
function layerConfig(layer: GraphLayer): Json {
  const c = layer.config
  const common = { name: layer.name, trainable: true, dtype: 'float32' }
  const conv = ['kernel_size', 'strides', 'padding', 'data_format', 'dilation_rate', 'use_bias']
  switch (layer.className) {
    case 'InputLayer':
      return { batch_shape: [null, ...layer.outputShape], dtype: 'float32', sparse: false, name: layer.name }
    case 'Conv2D':
      return { ...common, filters: c.filters, ...pick(c, conv), groups: 1, activation: activation(c.activation, layer.name) }
    case 'DepthwiseConv2D':
      return {
        ...common,
        depth_multiplier: c.depth_multiplier ?? 1,
        ...pick(c, conv),
        activation: activation(c.activation, layer.name),
      }
    case 'Dense':
      return { ...common, units: c.units, use_bias: c.use_bias ?? true, activation: activation(c.activation, layer.name) }
    case 'Activation':
      return { ...common, activation: activation(c.activation, layer.name) }
    case 'Flatten':
      return { ...common, data_format: 'channels_last' }
    case 'Dropout':
      return { ...common, rate: c.rate, seed: null, noise_shape: null }
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return { ...common, ...pick(c, ['pool_size', 'strides', 'padding', 'data_format']) }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D':
      return { ...common, data_format: c.data_format ?? 'channels_last', keepdims: c.keepdims ?? false }
    case 'BatchNormalization':
      return { ...common, ...pick(c, ['axis', 'momentum', 'epsilon', 'center', 'scale']) }
    case 'ReLU':
      return { ...common, max_value: c.max_value ?? null, negative_slope: c.negative_slope ?? 0, threshold: c.threshold ?? 0 }
    case 'ZeroPadding2D':
      return { ...common, ...pick(c, ['padding', 'data_format']) }
    case 'Add':
    case 'Multiply':
      return common
    case 'Reshape':
      // tfjs keeps an inferred dimension (-1) as null; Keras writes it as -1.
      return { ...common, target_shape: (c.target_shape as Array<number | null>).map((d) => d ?? -1) }
    case 'Rescaling':
      return { ...common, scale: c.scale, offset: c.offset ?? 0 }
    case 'Concatenate':
      return { ...common, axis: c.axis ?? -1 }
    default:
      throw new Error(`layer "${layer.name}" (${layer.className}) cannot be exported to Keras`)
  }
}

/**
 * The `config.json` of a `.keras` file: a Keras 3 Functional model with every layer under its own
 * name, in the same order as here (Keras orders layers by depth the way TensorFlow.js does, and the
 * weights file relies on that order).
 */
export function kerasModelConfig(graph: ModelGraph): Json {
  const shapes = new Map(graph.layers.map((l) => [l.name, l.outputShape]))
  const tensor = (name: string) => ({
    class_name: '__keras_tensor__',
    config: { shape: [null, ...shapes.get(name)!], dtype: 'float32', keras_history: [name, 0, 0] },
  })
  const layers = graph.layers.map((layer) => {
    const args =
      layer.inbound.length === 0 ? [] : layer.inbound.length === 1 ? [tensor(layer.inbound[0]!)] : [layer.inbound.map(tensor)]
    return {
      module: 'keras.layers',
      class_name: layer.className,
      config: layerConfig(layer),
      registered_name: null,
      name: layer.name,
      inbound_nodes: args.length === 0 ? [] : [{ args, kwargs: {} }],
    }
  })
  return {
    module: 'keras.src.models.functional',
    class_name: 'Functional',
    config: { name: graph.name, trainable: true, layers, input_layers: [graph.input, 0, 0], output_layers: [graph.output, 0, 0] },
    registered_name: 'Functional',
    build_config: { input_shape: null },
    compile_config: null,
  }
}

/**
 * Writes a Keras 3 weights file (`model.weights.h5`, the layout `model.save_weights` writes):
 * `layers/<snake_case class>[_n]/vars/<i>` per layer in model order (Keras addresses layers by
 * class and position, not by name), each vars group tagged with the layer's name.
 */
export async function writeKerasWeights(file: string, graph: ModelGraph): Promise<void> {
  await h5wasm.ready
  const f = new h5wasm.File(file, 'w')
  try {
    const root = f.create_group('layers')
    const used = new Map<string, number>()
    for (const layer of graph.layers) {
      const base = kerasSnakeCase(layer.className)
      const count = used.get(base)
      used.set(base, count === undefined ? 0 : count + 1)
      const key = count === undefined ? base : `${base}_${count + 1}`
      const vars = root.create_group(key).create_group('vars')
      vars.create_attribute('name', layer.name)
      layer.weights.forEach((w, i) => vars.create_dataset({ name: String(i), data: w.values, shape: w.shape, dtype: '<f' }))
    }
    f.create_group('vars').create_attribute('name', graph.name)
  } finally {
    f.close()
  }
}

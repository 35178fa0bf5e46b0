import type * as tf from '../tf'

/** One weight tensor of a layer, in the layer's own order (kernel, bias; gamma, beta, mean, variance). */
export interface GraphWeight {
  name: string
  shape: number[]
  values: Float32Array
}

/** One layer of a functional model, as both exporters read it. */
export interface GraphLayer {
  name: string
  className: string
  /** The layer's Keras-style (snake_case) config as TensorFlow.js serialises it. */
  config: Record<string, unknown>
  /** Names of the layers feeding this one (output 0 of node 0 of each). */
  inbound: string[]
  /** Static shapes without the batch dimension. */
  inputShapes: number[][]
  outputShape: number[]
  weights: GraphWeight[]
}

export interface ModelGraph {
  name: string
  /** In TensorFlow.js' (and Keras') topological order: inputs first, each layer after its inputs. */
  layers: GraphLayer[]
  input: string
  output: string
}

type LayerJson = { name: string; class_name: string; config: Record<string, unknown>; inbound_nodes: unknown[] }
type ModelJson = { config: { name: string; layers: LayerJson[]; input_layers: unknown[][]; output_layers: unknown[][] } }

function staticShape(shape: Array<number | null>, what: string): number[] {
  const dims = shape.slice(1)
  if (dims.some((d) => d === null || d <= 0))
    throw new Error(`${what} has no static shape ([${dims.join(', ')}]); export needs a fixed input size`)
  return dims as number[]
}

/**
 * Reads a single-input, single-output functional LayersModel with static shapes into a plain graph:
 * layer configs, inbound layers, shapes and weight values. A layer used more than once (several
 * nodes) is refused: neither exporter can name its outputs apart.
 */
export function readModelGraph(model: tf.LayersModel): ModelGraph {
  const json = model.toJSON(null, false) as unknown as ModelJson
  const { config } = json
  if (config.input_layers.length !== 1 || config.output_layers.length !== 1) {
    throw new Error(
      `export needs a model with one input and one output (this one has ${config.input_layers.length} and ${config.output_layers.length})`,
    )
  }
  const byName = new Map(config.layers.map((l) => [l.name, l]))
  const layers = model.layers.map((layer): GraphLayer => {
    const entry = byName.get(layer.name)
    if (!entry) throw new Error(`layer "${layer.name}" is missing from the model's config`)
    if (entry.inbound_nodes.length > 1)
      throw new Error(`layer "${layer.name}" is applied ${entry.inbound_nodes.length} times; export supports layers used once`)
    const node = (entry.inbound_nodes[0] ?? []) as unknown[][]
    const inbound = node.map((input) => {
      if (Number(input[1]) !== 0 || Number(input[2]) !== 0)
        throw new Error(`layer "${layer.name}" reads a second output of "${String(input[0])}"`)
      return String(input[0])
    })
    const inShape = (layer as unknown as { inboundNodes: Array<{ inputShapes: unknown }> }).inboundNodes[0]?.inputShapes
    const inputShapes = (
      Array.isArray(inShape) && Array.isArray(inShape[0])
        ? (inShape as Array<Array<number | null>>)
        : [inShape as Array<number | null>]
    ).map((s) => staticShape(s, `the input of layer "${layer.name}"`))
    const outputShape = staticShape(layer.outputShape as Array<number | null>, `the output of layer "${layer.name}"`)
    // getWeights hands out the variables' own tensors: read, never dispose.
    const values = layer.getWeights()
    const weights = layer.weights.map((w, i) => {
      if (w.dtype !== 'float32')
        throw new Error(`weight ${w.originalName} of layer "${layer.name}" is ${w.dtype}; export writes float32`)
      return {
        name: w.originalName,
        shape: w.shape as number[],
        values: Float32Array.from(values[i]!.dataSync() as Float32Array),
      }
    })
    return { name: layer.name, className: entry.class_name, config: entry.config, inbound, inputShapes, outputShape, weights }
  })
  return {
    name: config.name,
    layers,
    input: String(config.input_layers[0]![0]),
    output: String(config.output_layers[0]![0]),
  }
}

import * as tf from '../tf'

/**
 * Where fine-tuning can start from cached activations. When the base is unfrozen only from some layer
 * on, everything before that layer is frozen and (without augmentation) gives the same output for an
 * image in every epoch, so it can be computed once. That is exact only at a point the whole graph's
 * state crosses as ONE tensor: in MobileNetV2 the output of a block's Add, or the input of a block
 * without a residual, never inside a block whose skip connection jumps over the cut.
 */
export interface FineTuneBoundary {
  /** The layer whose output is cached (the last layer of the frozen prefix). */
  layer: string
  /** The first layer with trainable weights; layers between `layer` and it run frozen in the suffix. */
  firstTrainable: string
  /** Model input → the boundary's output (the frozen prefix; inference mode). */
  prefix: tf.LayersModel
  /** The boundary's output → the model's output, built from the model's own layer objects (weights shared). */
  suffix: tf.LayersModel
}

/** Layers whose output depends on `training` or on a random draw: a prefix holding one is not cacheable. */
const STOCHASTIC = new Set([
  'Dropout',
  'SpatialDropout1D',
  'SpatialDropout2D',
  'SpatialDropout3D',
  'GaussianNoise',
  'GaussianDropout',
  'AlphaDropout',
])

type LayerRef = [string, number, number, ...unknown[]]
interface GraphConfig {
  layers: Array<{ name: string; className: string; inboundNodes: LayerRef[][] }>
  inputLayers: LayerRef[]
  outputLayers: LayerRef[]
}

/**
 * The nearest exact boundary at or before the first layer with trainable weights, for the model as
 * its trainable flags stand now (call after setPhase('finetune')). Null when there is none worth
 * caching (no layer with weights before it), when the model is not single-input/single-output, or when the prefix
 * holds a stochastic layer. BatchNormalization in the prefix must run in inference mode whatever
 * `training` says (buildTransfer pins every base BN so), as the uncached fine-tuning pass runs it too.
 */
export function fineTuneBoundary(model: tf.LayersModel): FineTuneBoundary | null {
  const config = model.getConfig() as unknown as GraphConfig
  if (config.inputLayers.length !== 1 || config.outputLayers.length !== 1) return null
  const names = config.layers.map((l) => l.name)
  const position = new Map(names.map((n, i) => [n, i]))
  // Inbound layer positions of every layer (topological order: producers come first).
  const inbound = config.layers.map((l) => {
    if (l.inboundNodes.length > 1) return null // a layer called twice inside the model: no single cut
    return (l.inboundNodes[0] ?? []).map((ref) => position.get(ref[0]) ?? -1)
  })
  if (inbound.some((ins) => ins === null || ins.some((p) => p < 0))) return null
  const first = config.layers.findIndex((l) => model.getLayer(l.name).trainableWeights.length > 0)
  if (first <= 0) return null
  const outputPos = position.get(config.outputLayers[0]![0])
  if (outputPos === undefined || outputPos < first) return null

  // laterMin[b] = the earliest producer any layer after b reads from; b is exact when that is ≥ b.
  const laterMin = new Array<number>(names.length + 1).fill(Number.POSITIVE_INFINITY)
  for (let j = names.length - 1; j >= 0; j--) laterMin[j] = Math.min(laterMin[j + 1]!, ...(inbound[j + 1] ?? []))
  let boundary = -1
  for (let b = first - 1; b >= 1; b--) {
    if (laterMin[b]! >= b) {
      boundary = b
      break
    }
  }
  if (boundary < 1) return null
  // A prefix of parameter-free layers alone (say the stem's padding) saves nothing worth a cache.
  if (!config.layers.slice(1, boundary + 1).some((l) => model.getLayer(l.name).weights.length > 0)) return null
  for (let i = 1; i <= boundary; i++) if (STOCHASTIC.has(config.layers[i]!.className)) return null

  const boundaryLayer = model.getLayer(names[boundary]!)
  // The base's layers have the one node of the model's graph until the suffix below adds a second.
  if (boundaryLayer.inboundNodes.length !== 1) return null
  const prefix = tf.model({
    inputs: model.inputs,
    outputs: boundaryLayer.output,
    name: `prefix_to_${names[boundary]}`,
  })

  const shape = (boundaryLayer.output as tf.SymbolicTensor).shape.slice(1) as number[]
  const start = tf.input({ shape, name: `${names[boundary]}_cached` })
  const tensors = new Map<string, tf.SymbolicTensor>([[names[boundary]!, start]])
  for (let j = boundary + 1; j < names.length; j++) {
    const ins = (config.layers[j]!.inboundNodes[0] ?? []).map((ref) => tensors.get(ref[0]))
    if (ins.length === 0 || ins.some((t) => t === undefined))
      throw new Error(`fine-tune suffix: layer ${names[j]} reads a tensor before the boundary ${names[boundary]}`)
    const args = ins.length === 1 ? ins[0]! : (ins as tf.SymbolicTensor[])
    tensors.set(names[j]!, model.getLayer(names[j]!).apply(args) as tf.SymbolicTensor)
  }
  const output = tensors.get(names[outputPos]!)!
  const suffix = tf.model({ inputs: start, outputs: output, name: `suffix_from_${names[boundary]}` })
  return { layer: names[boundary]!, firstTrainable: names[first]!, prefix, suffix }
}

import type * as tf from '../tf'

/** Input → class probabilities, in training mode (dropout on) or not. */
export type Forward = (x: tf.Tensor, training: boolean) => tf.Tensor

export function modelForward(model: tf.LayersModel): Forward {
  return (x, training) => model.apply(x, { training }) as tf.Tensor
}

/**
 * Phase 1 of a transfer run: the frozen base runs in inference mode (as Keras runs frozen layers),
 * only the head trains. Gradients never enter the base: its variables are not in the var list.
 */
export function frozenBaseForward(featureExtractor: tf.LayersModel, head: tf.LayersModel): Forward {
  return (x, training) => head.apply(featureExtractor.apply(x, { training: false }), { training }) as tf.Tensor
}

/**
 * The head's layers after its input, when they form a simple chain (each layer feeding the next):
 * then the head can start from a cached tensor taken after its first parameter-free layer.
 */
export function headChain(head: tf.LayersModel): tf.layers.Layer[] | null {
  const layers = head.layers.filter((l) => l.getClassName() !== 'InputLayer')
  for (let i = 0; i < layers.length; i++) {
    const nodes = (layers[i] as unknown as { inboundNodes: Array<{ inboundLayers: tf.layers.Layer[] }> }).inboundNodes
    // nodes[0] is the layer's call inside the head (a layer shared with the full model has a second node there).
    const inbound = nodes[0]?.inboundLayers ?? []
    if (inbound.length !== 1) return null
    const expected = i === 0 ? head.layers.find((l) => l.getClassName() === 'InputLayer') : layers[i - 1]
    if (inbound[0] !== expected) return null
  }
  return layers
}

export interface HeadSplit {
  /** True when the cache holds the globally average-pooled vector rather than the feature map. */
  pooled: boolean
  /** The head layers applied to a cached row. */
  rest: tf.layers.Layer[]
}

/** Where a feature cache can cut the head: after a leading GlobalAveragePooling2D (exact, 1/HW the size). */
export function splitHead(head: tf.LayersModel): HeadSplit | null {
  const chain = headChain(head)
  if (!chain) return null
  if (chain[0]?.getClassName() === 'GlobalAveragePooling2D') return { pooled: true, rest: chain.slice(1) }
  return { pooled: false, rest: chain }
}

export function chainForward(layers: tf.layers.Layer[]): Forward {
  return (x, training) => {
    let t = x
    for (const layer of layers) t = layer.apply(t, { training }) as tf.Tensor
    return t
  }
}

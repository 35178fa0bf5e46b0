import * as tf from '../tf'

/**
 * Every weight variable of a model in a canonical order: layer by layer (nested models flattened),
 * each layer's own order. Unlike `model.weights`, this order does not change when layers are frozen
 * or unfrozen, so snapshots and checkpoints line up across phases and across processes.
 */
export function allWeights(model: tf.LayersModel): Array<{ key: string; variable: tf.LayerVariable }> {
  const out: Array<{ key: string; variable: tf.LayerVariable }> = []
  const seen = new Set<tf.LayerVariable>()
  const visit = (layer: tf.layers.Layer, prefix: string): void => {
    const nested = (layer as unknown as { layers?: tf.layers.Layer[] }).layers
    if (Array.isArray(nested)) {
      for (const inner of nested) visit(inner, `${prefix}${layer.name}/`)
      return
    }
    layer.weights.forEach((variable, i) => {
      if (seen.has(variable)) return
      seen.add(variable)
      out.push({ key: `${prefix}${layer.name}/${i}`, variable })
    })
  }
  for (const layer of model.layers) visit(layer, '')
  return out
}

/** The variables the optimizer updates in the current phase, in a stable order. */
export function trainableVariables(model: tf.LayersModel): tf.Variable[] {
  return allWeights(model)
    .filter(({ variable }) => variable.trainable)
    .map(({ variable }) => variable.read() as tf.Variable)
}

/** An in-memory copy of every weight (restore-best-weights); dispose() when done. */
export class WeightSnapshot {
  private constructor(private readonly tensors: tf.Tensor[]) {}

  static take(model: tf.LayersModel): WeightSnapshot {
    return new WeightSnapshot(allWeights(model).map(({ variable }) => tf.keep(variable.read().clone())))
  }

  static fromTensors(tensors: tf.Tensor[]): WeightSnapshot {
    return new WeightSnapshot(tensors)
  }

  get values(): readonly tf.Tensor[] {
    return this.tensors
  }

  restore(model: tf.LayersModel): void {
    const weights = allWeights(model)
    if (weights.length !== this.tensors.length) {
      throw new Error(`weight snapshot holds ${this.tensors.length} tensors, the model has ${weights.length}`)
    }
    weights.forEach(({ variable }, i) => variable.write(this.tensors[i]!))
  }

  dispose(): void {
    tf.dispose(this.tensors)
  }
}

export interface EncodedTensors {
  specs: tf.io.WeightsManifestEntry[]
  data: Uint8Array
}

export async function encodeTensors(named: Array<{ name: string; tensor: tf.Tensor }>): Promise<EncodedTensors> {
  const { data, specs } = await tf.io.encodeWeights(named)
  const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data
  return { specs, data: new Uint8Array(buffer) }
}

export function decodeTensors(encoded: EncodedTensors): Array<{ name: string; tensor: tf.Tensor }> {
  const buffer = encoded.data.buffer.slice(encoded.data.byteOffset, encoded.data.byteOffset + encoded.data.byteLength)
  const map = tf.io.decodeWeights(buffer as ArrayBuffer, encoded.specs)
  return encoded.specs.map((spec) => ({ name: spec.name, tensor: map[spec.name]! }))
}

/** Writes saved weights back by canonical position, checking every shape. */
export function assignWeights(model: tf.LayersModel, tensors: Array<{ name: string; tensor: tf.Tensor }>): void {
  const weights = allWeights(model)
  if (weights.length !== tensors.length) {
    throw new Error(`checkpoint holds ${tensors.length} weights but the model has ${weights.length}; was the config changed?`)
  }
  weights.forEach(({ key, variable }, i) => {
    const saved = tensors[i]!
    if (saved.name !== key || !tf.util.arraysEqual(saved.tensor.shape, variable.shape as number[])) {
      throw new Error(
        `checkpoint weight ${saved.name} [${saved.tensor.shape.join(',')}] does not match ${key} [${variable.shape.join(',')}]`,
      )
    }
    variable.write(saved.tensor)
  })
}

export function namedWeights(model: tf.LayersModel): Array<{ name: string; tensor: tf.Tensor }> {
  return allWeights(model).map(({ key, variable }) => ({ name: key, tensor: variable.read() }))
}

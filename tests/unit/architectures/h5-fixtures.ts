import h5wasm from 'h5wasm/node'
import type * as tf from '../../../src-main/engine/tf'

/** One layer's weights as a test writes them: Keras weight names, shapes and values. */
export interface FixtureLayer {
  name: string
  weights: Array<{ name: string; shape: number[]; values: Float32Array }>
}

/** Deterministic pseudo-random floats in [-scale, scale) (mulberry32). */
export function randomValues(count: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(count)
  let a = seed >>> 0
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    out[i] = ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * scale
  }
  return out
}

/** Random weights for the (first `limit`) layers of `model`, named as Keras 2 names them (`layer/kernel:0`). */
export function randomLayers(model: tf.LayersModel, seed: number, limit = Infinity): FixtureLayer[] {
  return model.layers
    .filter((l) => l.weights.length > 0)
    .slice(0, limit)
    .map((layer, li) => ({
      name: layer.name,
      weights: layer.weights.map((w, wi) => {
        const count = w.shape.reduce<number>((a, b) => a * (b ?? 1), 1)
        const short = w.originalName.split('/').pop()!
        // BatchNorm variances must stay positive; keep everything small so deep stacks stay finite.
        const values = randomValues(count, seed + li * 31 + wi, 0.05)
        if (short.includes('variance')) for (let i = 0; i < values.length; i++) values[i] = 1 + Math.abs(values[i]!)
        if (short.includes('gamma')) for (let i = 0; i < values.length; i++) values[i] = 1 + values[i]!
        return { name: `${layer.name}/${short}:0`, shape: w.shape as number[], values }
      }),
    }))
}

/** Write a Keras 2 weights file: root attr layer_names, per layer attr weight_names + datasets. */
export async function writeKeras2(file: string, layers: FixtureLayer[], extraEmptyLayers: string[] = []): Promise<void> {
  await h5wasm.ready
  const f = new h5wasm.File(file, 'w')
  try {
    f.create_attribute('layer_names', [...layers.map((l) => l.name), ...extraEmptyLayers])
    f.create_attribute('backend', 'tensorflow')
    f.create_attribute('keras_version', '2.15.0')
    for (const layer of layers) {
      const group = f.create_group(layer.name)
      group.create_attribute(
        'weight_names',
        layer.weights.map((w) => w.name),
      )
      for (const w of layer.weights) {
        const [sub, leaf] = w.name.split('/') as [string, string]
        const inner = group.get(sub) ?? group.create_group(sub)
        ;(inner as InstanceType<typeof h5wasm.Group>).create_dataset({ name: leaf, data: w.values, shape: w.shape, dtype: '<f' })
      }
    }
    for (const name of extraEmptyLayers) f.create_group(name)
  } finally {
    f.close()
  }
}

/** Write a Keras 3 `.weights.h5` file: layers/<name>/vars/<i>. */
export async function writeKeras3(file: string, layers: FixtureLayer[]): Promise<void> {
  await h5wasm.ready
  const f = new h5wasm.File(file, 'w')
  try {
    const root = f.create_group('layers')
    for (const layer of layers) {
      const vars = root.create_group(layer.name).create_group('vars')
      layer.weights.forEach((w, i) => vars.create_dataset({ name: String(i), data: w.values, shape: w.shape, dtype: '<f' }))
    }
    f.create_group('vars')
  } finally {
    f.close()
  }
}

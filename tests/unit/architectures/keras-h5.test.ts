import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { loadKerasBase, mobileNetV2NoTop, vgg16NoTop } from '../../../src-main/engine/architectures/keras'
import { summarizeModel } from '../../../src-main/engine/architectures'
import { randomLayers, writeKeras2, writeKeras3, type FixtureLayer } from './h5-fixtures'

const dir = mkdtempSync(join(tmpdir(), 'keras-h5-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function setDirectly(model: tf.LayersModel, layers: FixtureLayer[]): void {
  for (const l of layers) model.getLayer(l.name).setWeights(l.weights.map((w) => tf.tensor(w.values, w.shape)))
}

function outputOf(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync() as Float32Array)
}

describe('Keras .h5 weights loaded by layer name', () => {
  it('VGG16 from a Keras 2 and a Keras 3 file gives the outputs of the same weights set directly', async () => {
    const reference = vgg16NoTop(32)
    const layers = randomLayers(reference, 11)
    setDirectly(reference, layers)
    // Store the layers in another order than the model's: loading must go by name, not position.
    const shuffled = [...layers].reverse()
    const k2 = join(dir, 'vgg16_k2.h5')
    const k3 = join(dir, 'vgg16.weights.h5')
    await writeKeras2(k2, shuffled, ['block1_pool', 'block5_pool'])
    await writeKeras3(k3, shuffled)

    const x = tf.randomUniform([1, 32, 32, 3], -1, 1, 'float32', 3)
    const expected = outputOf(reference, x)
    for (const [file, layout] of [
      [k2, 'keras2'],
      [k3, 'keras3'],
    ] as const) {
      const loaded = await loadKerasBase(file)
      expect(loaded.family).toBe('vgg16')
      expect(loaded.layout).toBe(layout)
      const got = outputOf(loaded.model, x)
      expect(got.length).toBe(expected.length)
      expect(Array.from(got)).toEqual(Array.from(expected))
      // Not a vacuous match: the weights are the random ones, not fresh initialisations.
      expect(Array.from(loaded.model.getLayer('block3_conv2').getWeights()[1]!.dataSync().slice(0, 4))).toEqual(
        Array.from(layers.find((l) => l.name === 'block3_conv2')!.weights[1]!.values.slice(0, 4)),
      )
      loaded.model.dispose()
    }
    reference.dispose()
    x.dispose()
  })

  it('a file with a missing layer fails naming the layer', async () => {
    // Only the first two blocks are written, without block2_conv2: the first missing layer is reported.
    const layers = randomLayers(vgg16NoTop(null), 5, 4).filter((l) => l.name !== 'block2_conv2')
    const file = join(dir, 'missing.weights.h5')
    await writeKeras3(file, layers)
    await expect(loadKerasBase(file, 'vgg16')).rejects.toThrow(/layer "block2_conv2" is missing from the file/)
  })

  it('a file with a wrong shape fails naming the layer and both shapes', async () => {
    const model = vgg16NoTop(null)
    const layers = randomLayers(model, 5, 4)
    const bad = layers.find((l) => l.name === 'block2_conv1')!
    bad.weights[0] = { ...bad.weights[0]!, shape: [3, 3, 64, 64], values: new Float32Array(3 * 3 * 64 * 64) }
    const file = join(dir, 'wrong-shape.h5')
    await writeKeras2(file, layers)
    await expect(loadKerasBase(file, 'vgg16')).rejects.toThrow(
      /layer "block2_conv1" weight 0 \(block2_conv1\/kernel:0\) has shape \[3, 3, 64, 64\] in the file but the model expects \[3, 3, 64, 128\]/,
    )
  })

  it('an h5 file of another architecture is refused with the layers it has', async () => {
    const file = join(dir, 'other.h5')
    await writeKeras2(file, [
      { name: 'dense_7', weights: [{ name: 'dense_7/kernel:0', shape: [2, 2], values: new Float32Array(4) }] },
    ])
    await expect(loadKerasBase(file)).rejects.toThrow(/not a VGG16, MobileNetV2, ResNet50 or EfficientNetB0 .*dense_7/)
  })

  it("MobileNetV2 matches Keras' layer names and parameter counts and loads a Keras 3 file", async () => {
    const model = mobileNetV2NoTop(224)
    const summary = summarizeModel(model)
    // Keras: MobileNetV2(include_top=False, weights=None).summary() → 2,257,984 total, 34,112 non-trainable, 154 layers.
    expect(summary.totalParams).toBe(2_257_984)
    expect(summary.nonTrainableParams).toBe(34_112)
    expect(model.layers.length).toBe(154)
    const names = model.layers.map((l) => l.name)
    expect(names.slice(1, 4)).toEqual(['Conv1', 'bn_Conv1', 'Conv1_relu'])
    expect(names).toContain('expanded_conv_depthwise')
    expect(names).toContain('block_1_pad')
    expect(names.slice(-3)).toEqual(['Conv_1', 'Conv_1_bn', 'out_relu'])
    expect(model.getLayer('block_1_pad').outputShape).toEqual([null, 113, 113, 96])
    expect(model.outputs[0]!.shape).toEqual([null, 7, 7, 1280])

    const layers = randomLayers(model, 21)
    setDirectly(model, layers)
    const file = join(dir, 'mobilenetv2.weights.h5')
    await writeKeras3(file, layers)
    const loaded = await loadKerasBase(file)
    expect(loaded.family).toBe('mobilenetv2')
    const x = tf.randomUniform([1, 64, 64, 3], -1, 1, 'float32', 4)
    const a = tf.tidy(() => mobileNetV2Features(model, x))
    const b = outputOf(loaded.model, x)
    expect(Array.from(b)).toEqual(Array.from(a))
    expect(b.every(Number.isFinite)).toBe(true)
    model.dispose()
    loaded.model.dispose()
  })
})

/** The 224-px model applied to a 64-px image through a fresh input (same layers, same weights). */
function mobileNetV2Features(model: tf.LayersModel, x: tf.Tensor): Float32Array {
  const clone = mobileNetV2NoTop(64)
  for (const layer of clone.layers) if (layer.weights.length > 0) layer.setWeights(model.getLayer(layer.name).getWeights())
  const out = (clone.predict(x) as tf.Tensor).dataSync() as Float32Array
  clone.dispose()
  return out
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { initBackend } from '../../../src-main/engine/backend'
import { cutBase, loadTfjsFolder } from '../../../src-main/engine/architectures'
import { featureMapLayers, gradCam, lastConvLayer } from '../../../src-main/engine/evaluation/grad-cam'
import { missingShared } from '../../support/shared-data'
import { MOBILENET, mobilenetDir } from '../training/fixtures'

const SIDE = 16
const PATCH = 4
const CLASSES = 4

/** A seeded generator, so the data set and the network are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

interface Sample {
  pixels: Float32Array
  label: number
  /** Top-left corner of the bright patch that decides the class. */
  row: number
  col: number
}

/** The patch colour of each class: red, green, blue, white. */
const COLOURS: Array<[number, number, number]> = [
  [1, 0, 0],
  [0, 1, 0],
  [0, 0, 1],
  [1, 1, 1],
]

/**
 * Noise images with one bright square at a random place: its colour is the class. Nothing outside
 * the square tells classes apart, so a model that classifies them has to look at the square.
 */
function makeSamples(count: number, seed: number): Sample[] {
  const random = rng(seed)
  return Array.from({ length: count }, (_, i) => {
    const label = i % CLASSES
    const row = Math.floor(random() * (SIDE - PATCH + 1))
    const col = Math.floor(random() * (SIDE - PATCH + 1))
    const pixels = new Float32Array(SIDE * SIDE * 3)
    for (let p = 0; p < pixels.length; p++) pixels[p] = random() * 0.5
    for (let r = row; r < row + PATCH; r++)
      for (let c = col; c < col + PATCH; c++)
        for (let ch = 0; ch < 3; ch++) pixels[(r * SIDE + c) * 3 + ch] = COLOURS[label]![ch]!
    return { pixels, label, row, col }
  })
}

function tinyCnn(): tf.LayersModel {
  const init = (seed: number) => tf.initializers.glorotUniform({ seed })
  const input = tf.input({ shape: [SIDE, SIDE, 3], name: 'input' })
  let x = tf.layers
    .conv2d({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv1' })
    .apply(input) as tf.SymbolicTensor
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'pool1' }).apply(x) as tf.SymbolicTensor
  x = tf.layers
    .conv2d({ filters: 16, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'conv2' })
    .apply(x) as tf.SymbolicTensor
  x = tf.layers.globalAveragePooling2d({ name: 'pool2' }).apply(x) as tf.SymbolicTensor
  const output = tf.layers
    .dense({ units: CLASSES, activation: 'softmax', kernelInitializer: init(3), name: 'predictions' })
    .apply(x) as tf.SymbolicTensor
  return tf.model({ inputs: input, outputs: output, name: 'patch_cnn' })
}

const batch = (samples: Sample[]) => {
  const data = new Float32Array(samples.length * SIDE * SIDE * 3)
  samples.forEach((s, i) => data.set(s.pixels, i * s.pixels.length))
  return tf.tensor4d(data, [samples.length, SIDE, SIDE, 3])
}

let model: tf.LayersModel
const test = makeSamples(40, 99)

beforeAll(async () => {
  await initBackend('wasm')
  model = tinyCnn()
  const train = makeSamples(240, 7)
  const xs = batch(train)
  const ys = tf.oneHot(
    train.map((s) => s.label),
    CLASSES,
  )
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  await model.fit(xs, ys, { epochs: 6, batchSize: 32, shuffle: false, verbose: 0 })
  xs.dispose()
  ys.dispose()
}, 120_000)
afterAll(() => model.dispose())

describe('gradCam', () => {
  it('puts the heatmap peak on the patch that decides the class', () => {
    let correct = 0
    let onPatch = 0
    for (const sample of test) {
      const image = tf.tensor3d(sample.pixels, [SIDE, SIDE, 3])
      const cam = gradCam(model, image)
      image.dispose()
      expect(cam.layer).toBe('conv2')
      expect(cam).toMatchObject({ width: SIDE, height: SIDE, layerSize: { width: 8, height: 8 } })
      if (cam.predicted === sample.label) correct++
      let peak = 0
      for (let i = 1; i < cam.values.length; i++) if (cam.values[i]! > cam.values[peak]!) peak = i
      const r = Math.floor(peak / SIDE)
      const c = peak % SIDE
      if (r >= sample.row && r < sample.row + PATCH && c >= sample.col && c < sample.col + PATCH) onPatch++
      expect(Math.max(...cam.values)).toBeCloseTo(1, 5)
      expect(Math.min(...cam.values)).toBeGreaterThanOrEqual(0)
    }
    // The network has learnt the task, and Grad-CAM finds where it looked.
    expect(correct / test.length).toBeGreaterThanOrEqual(0.9)
    expect(onPatch / test.length).toBeGreaterThanOrEqual(0.8)
  })

  it('explains a chosen class and leaves the model as it was', () => {
    const sample = test[0]!
    const image = tf.tensor3d(sample.pixels, [SIDE, SIDE, 3])
    const before = (model.predict(tf.expandDims(image, 0)) as tf.Tensor).arraySync() as number[][]
    const own = gradCam(model, image)
    const other = gradCam(model, image, { classIndex: (sample.label + 1) % CLASSES, layer: 'conv1' })
    const after = (model.predict(tf.expandDims(image, 0)) as tf.Tensor).arraySync() as number[][]
    image.dispose()
    expect(other.classIndex).toBe((sample.label + 1) % CLASSES)
    expect(other.predicted).toBe(own.predicted)
    expect(other.layerSize).toEqual({ width: SIDE, height: SIDE })
    expect(Array.from(other.values)).not.toEqual(Array.from(own.values))
    expect(after).toEqual(before)
    for (let k = 0; k < CLASSES; k++) expect(own.probabilities[k]).toBeCloseTo(before[0]![k]!, 5)
  })

  it('names the layers it can use when the chosen one is not a feature map', () => {
    expect(featureMapLayers(model)).toEqual(['conv1', 'pool1', 'conv2'])
    expect(lastConvLayer(model)).toBe('conv2')
    const image = tf.zeros<tf.Rank.R3>([SIDE, SIDE, 3])
    expect(() => gradCam(model, image, { layer: 'pool2' })).toThrow(
      'layer "pool2" is not a spatial feature map of the model; available: conv1, pool1, conv2',
    )
    expect(() => gradCam(model, image, { layer: 'nope' })).toThrow(/layer "nope" is not .*available: conv1, pool1, conv2/)
    expect(() => gradCam(model, image, { classIndex: 7 })).toThrow('class index 7 is outside 0..3')
    image.dispose()
  })
})

const noMobileNet = missingShared('Grad-CAM on a MobileNetV2 transfer model', MOBILENET)

describe.skipIf(noMobileNet !== null)('gradCam on a transfer model', () => {
  it('explains a MobileNetV2 feature extractor with a new head, through its residual blocks, leaving it unchanged', async () => {
    const base = await loadTfjsFolder(mobilenetDir)
    // The published base takes any size: its feature maps are listed although their sides are free.
    expect(lastConvLayer(base)).toBe('head_relu')
    const features = cutBase(base, 'head_relu', 96)
    base.dispose()
    const pooled = tf.layers.globalAveragePooling2d({ name: 'head_pool' }).apply(features.outputs[0]!) as tf.SymbolicTensor
    const output = tf.layers
      .dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
        name: 'predictions',
      })
      .apply(pooled) as tf.SymbolicTensor
    const model = tf.model({ inputs: features.inputs, outputs: output })
    const image = tf.randomUniform<tf.Rank.R3>([96, 96, 3], -1, 1, 'float32', 3)
    const before = (model.predict(tf.expandDims(image, 0)) as tf.Tensor).dataSync()
    const cam = gradCam(model, image)
    const after = (model.predict(tf.expandDims(image, 0)) as tf.Tensor).dataSync()
    expect(cam.layer).toBe('head_relu')
    expect(cam.layerSize).toEqual({ width: 3, height: 3 })
    expect([cam.width, cam.height, cam.values.length]).toEqual([96, 96, 96 * 96])
    // An untrained head may weigh a class's map negatively everywhere (all zero); not every class's.
    const peaks = [0, 1, 2].map((classIndex) => Math.max(...gradCam(model, image, { classIndex }).values))
    expect(Math.max(...peaks)).toBeCloseTo(1, 5)
    expect(Array.from(after)).toEqual(Array.from(before))
    const inner = gradCam(model, image, { layer: 'block_13_expand_relu' })
    expect(inner.layerSize).toEqual({ width: 6, height: 6 })
    image.dispose()
    model.dispose()
  }, 120_000)
})

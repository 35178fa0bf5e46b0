import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { buildModel, loadTfjsFolder, type LoadedBase } from '../../../src-main/engine/architectures'
import { exportLayersModel } from '../../../src-main/engine/evaluation/export-model'
import { exportModel, type ExportDescription } from '../../../src-main/engine/export'
import { mobileNetV2NoTop } from '../../../src-main/engine/architectures/keras'
import { efficientNetB0NoTop } from '../../../src-main/engine/architectures/keras/efficientnetb0'
import { TIMM_ARCHITECTURES } from '../../../src-main/engine/architectures/timm'
import { randomLayers, randomValues } from '../architectures/h5-fixtures'
import { runPython, workbenchPython } from '../support/python'
import type { BaseModelInfo, ModelConfig } from '@shared/index'

const python = workbenchPython('Keras and ONNX export against Keras 3 and onnxruntime')
const script = resolve(__dirname, 'predict_exported.py')
const bases = resolve(__dirname, '../../../resources/bases')
const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']

let work: string
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'model-export-'))
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

function description(inputSize: number): ExportDescription {
  return {
    runId: 'run-1',
    runName: 'test run',
    classNames: CLASSES,
    preprocessing: 'unit',
    imageSize: 32,
    inputSize,
    appVersion: '0.0.0-test',
  }
}

/** The model as a run leaves it: saved as a tfjs folder and loaded back. */
async function asSaved(model: tf.LayersModel, name: string): Promise<tf.LayersModel> {
  const saved = await exportLayersModel(model, join(work, `${name}-saved`))
  return loadTfjsFolder(saved.dir)
}

type Kind = 'keras' | 'keras-weights' | 'onnx'
/**
 * The Keras 3 backend that runs the .keras file. jax compiles the whole graph before predicting,
 * about 25 s per model for the 200-odd layers of EfficientNet or MobileNetV3 on a small machine;
 * the numpy backend runs the same Keras layers eagerly.
 */
type KerasBackend = 'jax' | 'numpy'

/** Runs the exported models in one Python process on `x`; returns predictions and Keras' layer names. */
function predictInPython(
  jobs: Array<[Kind, string]>,
  x: tf.Tensor4D,
  kerasBackend: KerasBackend,
): { y: Record<Kind, Float32Array>; layers: Partial<Record<Kind, string[]>> } {
  const input = join(work, 'input.f32')
  writeFileSync(input, x.dataSync())
  const outputs = jobs.map(([kind]) => join(work, `output-${kind}.f32`))
  const stdout = runPython(
    python!,
    [script, input, ...x.shape.map(String), ...jobs.map(([kind, dir], i) => `${kind}:${dir}:${outputs[i]}`)],
    { KERAS_BACKEND: kerasBackend },
  )
  const line = stdout.trim().split('\n').pop()!
  const y = {} as Record<Kind, Float32Array>
  jobs.forEach(([kind], i) => {
    const bytes = readFileSync(outputs[i]!)
    y[kind] = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)
  })
  return { y, layers: JSON.parse(line) as Partial<Record<Kind, string[]>> }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length)
  let max = 0
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!))
  return max
}

/** Exports `model` as Keras and ONNX and checks the real libraries predict what tfjs predicts. */
async function checkAgainstReference(
  model: tf.LayersModel,
  name: string,
  x: tf.Tensor4D,
  kerasBackend: KerasBackend = 'jax',
): Promise<void> {
  const ours = (model.predict(x) as tf.Tensor).dataSync() as Float32Array
  // A peaked softmax: near-uniform probabilities would hide a wrong layout anywhere upstream.
  expect(Math.max(...ours)).toBeGreaterThan(0.3)
  const keras = await exportModel(model, 'keras', join(work, `${name}-keras`), description(x.shape[1]))
  expect(keras.files.map((f) => f.name)).toEqual(['model.keras', 'model.weights.h5', 'README.txt', 'export.json'])
  const onnx = await exportModel(model, 'onnx', join(work, `${name}-onnx`), description(x.shape[1]))
  expect(onnx.files.map((f) => f.name)).toEqual(['model.onnx', 'README.txt', 'export.json'])
  const reference = predictInPython(
    [
      ['keras', keras.dir],
      ['keras-weights', keras.dir],
      ['onnx', onnx.dir],
    ],
    x,
    kerasBackend,
  )
  expect(reference.layers.keras).toEqual(model.layers.map((l) => l.name))
  expect(maxAbsDiff(reference.y.keras, ours)).toBeLessThan(1e-4)
  expect(maxAbsDiff(reference.y['keras-weights'], ours)).toBeLessThan(1e-4)
  expect(maxAbsDiff(reference.y.onnx, ours)).toBeLessThan(1e-4)
}

/**
 * Scales the classifier so its logits on `x` span about ±8: a peaked softmax, where a wrong layout
 * anywhere upstream shows in the probabilities (small random features would leave them near uniform).
 */
function sharpenPredictions(model: tf.LayersModel, x: tf.Tensor4D): void {
  const layer = model.getLayer('predictions')
  const features = tf.model({ inputs: model.inputs, outputs: layer.input })
  const [kernel, bias] = layer.getWeights()
  const spread = tf.tidy(
    () => tf.max(tf.abs(tf.matMul(features.predict(x) as tf.Tensor2D, kernel as tf.Tensor2D))).dataSync()[0]!,
  )
  layer.setWeights([tf.mul(kernel!, spread > 0 ? 8 / spread : 1), bias!])
}

function images(n: number, size: number, seed: number): tf.Tensor4D {
  const values = randomValues(n * size * size * 3, seed, 1)
  for (let i = 0; i < values.length; i++) values[i] = (values[i]! + 1) / 2
  return tf.tensor4d(values, [n, size, size, 3])
}

/**
 * Seeded weights that keep activations near unit scale through a deep base (each kernel uniform in
 * ±sqrt(3 / fan-in), biases ±1, BatchNorm statistics off 0 and 1): squeeze-excite gates then differ per channel
 * and hard-swish sees both its linear and its clipped parts, so a wrong channel order in either shows.
 */
function unitScaleWeights(model: tf.LayersModel, seed: number): void {
  model.layers.forEach((layer, li) => {
    if (layer.weights.length === 0) return
    const isBatchNorm = layer.getClassName() === 'BatchNormalization'
    layer.setWeights(
      layer.weights.map((w, wi) => {
        const shape = w.shape as number[]
        const count = shape.reduce((a, b) => a * b, 1)
        const short = w.originalName.split('/').pop()!
        const fanIn = short === 'depthwise_kernel' ? shape[0]! * shape[1]! : count / shape[shape.length - 1]!
        // Biases of ±1 give every squeeze-excite channel its own gate level.
        const values = randomValues(count, seed + li * 31 + wi, isBatchNorm ? 0.2 : shape.length > 1 ? Math.sqrt(3 / fanIn) : 1)
        if (short.includes('variance') || short.includes('gamma')) for (let i = 0; i < count; i++) values[i] = 1 + values[i]!
        return tf.tensor(values, shape)
      }),
    )
  })
}

function baseInfo(
  id: string,
  family: BaseModelInfo['family'],
  cut: string,
  format: BaseModelInfo['format'] = 'tfjs-layers',
): BaseModelInfo {
  return {
    id,
    name: id,
    family,
    format,
    path: id,
    sha256: '',
    preprocessing: 'imagenet-mean-std',
    defaultCutLayer: cut,
    minInputSize: 32,
    source: 'test',
    summary: null,
    registeredAt: new Date().toISOString(),
  }
}

/** A 32 px transfer model with a small head: the deep bases stay quick to export and to run in Python. */
function transferConfig(baseId: string): ModelConfig {
  return {
    kind: 'transfer',
    baseId,
    cutLayer: null,
    inputSize: 32,
    headPooling: 'gap',
    headUnits: 32,
    headDropout: 0.5,
    fineTune: { enabled: false, epochs: 1, learningRate: 1e-4, trainableLayers: 20, fromLayer: null },
  }
}

// Keras 3 and onnxruntime start slowly on a loaded machine; the models themselves are small.
describe.skipIf(!python)('export to Keras 3 and ONNX, checked by the real libraries', { timeout: 600_000 }, () => {
  it('a scratch CNN trained on generated data (Conv/ReLU/MaxPool/Flatten/Dense) predicts the same', async () => {
    const config: ModelConfig = {
      kind: 'scratch',
      convBlocks: 2,
      filters: [8, 16],
      kernelSize: 3,
      convsPerBlock: 1,
      batchNorm: false,
      dropout: 0,
      denseUnits: 32,
      pooling: 'flatten',
    }
    const built = buildModel(config, { numClasses: 10, imageSize: 32, seed: 3, base: null })
    const x = images(16, 32, 11)
    const labels = tf.oneHot(
      tf.tensor1d(
        Array.from({ length: 16 }, (_, i) => i % 10),
        'int32',
      ),
      10,
    )
    built.model.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' })
    await built.model.fit(x, labels, { epochs: 3, batchSize: 8, verbose: 0 })
    const model = await asSaved(built.model, 'scratch')
    sharpenPredictions(model, x)
    await checkAgainstReference(model, 'scratch', x)
  })

  it('a scratch CNN with batch norm, dropout and global average pooling predicts the same', async () => {
    const config: ModelConfig = {
      kind: 'scratch',
      convBlocks: 3,
      filters: [8, 8, 16],
      kernelSize: 3,
      convsPerBlock: 2,
      batchNorm: true,
      dropout: 0.25,
      denseUnits: 16,
      pooling: 'gap',
    }
    const built = buildModel(config, { numClasses: 10, imageSize: 32, seed: 5, base: null })
    const model = await asSaved(built.model, 'scratch-bn')
    // Non-trivial batch-norm statistics (fresh ones are 0 and 1, which hide a wrong weight order).
    for (const layer of model.layers.filter((l) => l.getClassName() === 'BatchNormalization')) {
      const [gamma, beta, mean, variance] = layer.getWeights()
      layer.setWeights([tf.add(gamma!, 0.5), tf.add(beta!, 0.1), tf.sub(mean!, 0.05), tf.add(variance!, 0.5)])
    }
    const x = images(4, 32, 12)
    sharpenPredictions(model, x)
    await checkAgainstReference(model, 'scratch-bn', x)
  })

  it('a transfer model on the shipped MobileNetV2 (ZeroPadding2D, DepthwiseConv2D, ReLU6, Add) predicts the same', async () => {
    const base: LoadedBase = {
      info: baseInfo('mobilenetv2-imagenet', 'mobilenetv2', 'head_relu'),
      model: await loadTfjsFolder(join(bases, 'mobilenetv2-imagenet')),
    }
    const config: ModelConfig = {
      kind: 'transfer',
      baseId: base.info.id,
      cutLayer: null,
      inputSize: 64,
      headPooling: 'gap',
      headUnits: 32,
      headDropout: 0.5,
      fineTune: { enabled: false, epochs: 1, learningRate: 1e-4, trainableLayers: 20, fromLayer: null },
    }
    const built = buildModel(config, { numClasses: 10, imageSize: 32, seed: 7, base })
    base.model.dispose()
    const model = await asSaved(built.model, 'mobilenetv2')
    const x = images(3, 64, 13)
    sharpenPredictions(model, x)
    await checkAgainstReference(model, 'mobilenetv2', x)
  })

  it("a transfer model on Keras' MobileNetV2 (BatchNormalization, asymmetric ZeroPadding2D) predicts the same", async () => {
    // Keras' own architecture as the .h5 import builds it, with random weights and batch-norm statistics.
    const keras = mobileNetV2NoTop(null)
    for (const layer of randomLayers(keras, 17)) {
      keras.getLayer(layer.name).setWeights(layer.weights.map((w) => tf.tensor(w.values, w.shape)))
    }
    const base: LoadedBase = { info: baseInfo('mobilenetv2-keras', 'mobilenetv2', 'out_relu', 'keras-h5'), model: keras }
    const config: ModelConfig = {
      kind: 'transfer',
      baseId: base.info.id,
      cutLayer: null,
      inputSize: 32,
      headPooling: 'gap',
      headUnits: 32,
      headDropout: 0.5,
      fineTune: { enabled: false, epochs: 1, learningRate: 1e-4, trainableLayers: 20, fromLayer: null },
    }
    const built = buildModel(config, { numClasses: 10, imageSize: 32, seed: 8, base })
    keras.dispose()
    const model = await asSaved(built.model, 'mobilenetv2-keras')
    const x = images(3, 32, 15)
    sharpenPredictions(model, x)
    await checkAgainstReference(model, 'mobilenetv2-keras', x)
  })

  it('a transfer model on the shipped SqueezeNet (Concatenate, MaxPool) with a Flatten head predicts the same', async () => {
    const base: LoadedBase = {
      info: baseInfo('squeezenet1.1-imagenet', 'squeezenet', 'fire9_concat'),
      model: await loadTfjsFolder(join(bases, 'squeezenet1.1-imagenet')),
    }
    const config: ModelConfig = {
      kind: 'transfer',
      baseId: base.info.id,
      cutLayer: null,
      inputSize: 64,
      headPooling: 'flatten',
      headUnits: 32,
      headDropout: 0.5,
      fineTune: { enabled: false, epochs: 1, learningRate: 1e-4, trainableLayers: 20, fromLayer: null },
    }
    const built = buildModel(config, { numClasses: 10, imageSize: 32, seed: 9, base })
    base.model.dispose()
    const model = await asSaved(built.model, 'squeezenet')
    const x = images(3, 64, 14)
    sharpenPredictions(model, x)
    await checkAgainstReference(model, 'squeezenet', x)
  })

  it.each([
    { arch: 'efficientnet_b0', layers: 'swish, SE Reshape and Multiply', cut: 'bn2.act' },
    { arch: 'resnet18', layers: 'ZeroPadding2D, MaxPool, Add', cut: 'layer4.1.act2' },
    { arch: 'mobilenetv3_large_100', layers: 'hard-swish via Rescaling', cut: 'act2' },
  ] as const)('a transfer model on timm $arch ($layers) predicts the same', async ({ arch, cut }) => {
    const timm = TIMM_ARCHITECTURES[arch](null)
    unitScaleWeights(timm, 21)
    const base: LoadedBase = {
      info: baseInfo(`${arch}-timm`, `timm-${arch}`, cut, 'safetensors'),
      model: timm,
    }
    const built = buildModel(transferConfig(base.info.id), { numClasses: 10, imageSize: 32, seed: 10, base })
    timm.dispose()
    const model = await asSaved(built.model, arch)
    const x = images(3, 32, 16)
    sharpenPredictions(model, x)
    await checkAgainstReference(model, arch, x, 'numpy')
  })

  it("a transfer model on Keras' EfficientNetB0 (Rescaling of 0..255 input, swish convs, squeeze-excite) predicts the same", async () => {
    const keras = efficientNetB0NoTop(null)
    unitScaleWeights(keras, 23)
    const base: LoadedBase = {
      info: baseInfo('efficientnetb0-keras', 'efficientnetb0', 'top_activation', 'keras-h5'),
      model: keras,
    }
    const built = buildModel(transferConfig(base.info.id), { numClasses: 10, imageSize: 32, seed: 11, base })
    keras.dispose()
    const model = await asSaved(built.model, 'efficientnetb0-keras')
    // The model rescales raw 0..255 pixels itself.
    const x = tf.mul<tf.Tensor4D>(images(3, 32, 17), 255)
    sharpenPredictions(model, x)
    await checkAgainstReference(model, 'efficientnetb0-keras', x, 'numpy')
  })

  it('Reshape between feature maps and vectors, a three-way Multiply and a Rescaling with offset predict the same', async () => {
    // Reshapes that move pixels (6x6x4 to 3x12x4, then to a vector), not only the 1x1 squeeze-excite one.
    const input = tf.input({ shape: [6, 6, 3], name: 'input' })
    const apply = (layer: tf.layers.Layer, x: tf.SymbolicTensor | tf.SymbolicTensor[]) => layer.apply(x) as tf.SymbolicTensor
    const scaled = apply(tf.layers.rescaling({ scale: 2, offset: -1, name: 'scaled' }), input)
    const conv = apply(
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'swish', name: 'conv' }),
      scaled,
    )
    const gate = apply(tf.layers.conv2d({ filters: 4, kernelSize: 1, activation: 'sigmoid', name: 'gate' }), scaled)
    const pooled = apply(tf.layers.globalAveragePooling2d({ name: 'pool' }), conv)
    const perChannel = apply(tf.layers.reshape({ targetShape: [1, 1, 4], name: 'pool_keepdim' }), pooled)
    const product = apply(tf.layers.multiply({ name: 'product' }), [conv, gate, perChannel])
    const moved = apply(tf.layers.reshape({ targetShape: [3, 12, 4], name: 'moved' }), product)
    const mixed = apply(tf.layers.conv2d({ filters: 5, kernelSize: [1, 3], name: 'mixed' }), moved)
    const flat = apply(tf.layers.reshape({ targetShape: [150], name: 'flat' }), mixed)
    const output = apply(tf.layers.dense({ units: 10, activation: 'softmax', name: 'predictions' }), flat)
    const model = await asSaved(tf.model({ inputs: input, outputs: output, name: 'reshapes' }), 'reshapes')
    unitScaleWeights(model, 25)
    const x = images(4, 6, 18)
    sharpenPredictions(model, x)
    await checkAgainstReference(model, 'reshapes', x, 'numpy')
  })
})

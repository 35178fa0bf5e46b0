import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { buildModel, loadTfjsFolder, summarizeModel, type LoadedBase } from '../../../src-main/engine/architectures'
import { mobileNetV2NoTop } from '../../../src-main/engine/architectures/keras'
import type { BaseModelInfo, FineTuneConfig, TransferModelConfig } from '@shared/index'
import { missingShared, sharedPath } from '../../support/shared-data'
import { tinyBase, writeLayersModel } from '../training/fixtures'

const MOBILENET = 'models/mobilenetv2-imagenet'
const SQUEEZENET = 'models/squeezenet1.1-imagenet'
const noShared = missingShared('the transfer tests on the shared MobileNetV2 and SqueezeNet', MOBILENET, SQUEEZENET)

function info(id: string, family: BaseModelInfo['family'], format: BaseModelInfo['format'], cut: string): BaseModelInfo {
  return {
    id,
    name: id,
    family,
    format,
    path: id,
    sha256: '',
    preprocessing: format === 'keras-h5' ? 'minus-one-one' : 'imagenet-mean-std',
    defaultCutLayer: cut,
    minInputSize: 32,
    source: 'test',
    summary: null,
    registeredAt: new Date().toISOString(),
  }
}

const transfer = (baseId: string, over: Partial<TransferModelConfig> = {}): TransferModelConfig => ({
  kind: 'transfer',
  baseId,
  cutLayer: null,
  inputSize: 96,
  headPooling: 'gap',
  headUnits: 256,
  headDropout: 0.5,
  fineTune: { enabled: false, epochs: 1, learningRate: 1e-4, trainableLayers: 20, fromLayer: null },
  ...over,
})
const fineTune = (over: Partial<FineTuneConfig>): FineTuneConfig => ({
  enabled: true,
  epochs: 1,
  learningRate: 1e-4,
  trainableLayers: null,
  fromLayer: null,
  ...over,
})

describe('transfer from a generated tfjs base, loaded from its folder', () => {
  let base: LoadedBase
  let dir: string
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'transfer-'))
    const folder = await writeLayersModel(tinyBase(), join(dir, 'tiny-base'))
    base = { info: info('tiny-base', 'custom', 'tfjs-layers', 'head_relu'), model: await loadTfjsFolder(folder) }
  })
  afterAll(() => {
    base?.model.dispose()
    rmSync(dir, { recursive: true, force: true })
  })

  it('builds at 32 px with 8x8x32 features, a named head and model = head(features)', () => {
    const built = buildModel(transfer(base.info.id, { inputSize: 32, headUnits: 16 }), {
      numClasses: 10,
      imageSize: 32,
      seed: 1,
      base,
    })
    expect(built.inputSize).toBe(32)
    expect(built.preprocessing).toBe('imagenet-mean-std')
    expect(built.featureExtractor!.outputs[0]!.shape).toEqual([null, 8, 8, 32])
    const s = summarizeModel(built.model)
    expect(s.layers.slice(-4).map((l) => l.name)).toEqual(['head_pool', 'head_dense', 'head_dropout', 'predictions'])
    // The base's 2,768 frozen parameters (stem 224, blocks 1-2 2·280, block 3 1,440, head_conv 544),
    // the head's 32·16+16 + 16·10+10 trainable ones.
    expect(s.totalParams).toBe(2_768 + 528 + 170)
    expect(s.trainableParams).toBe(528 + 170)

    const x = tf.randomUniform([2, 32, 32, 3], -2, 2, 'float32', 5)
    const direct = tf.tidy(() => (built.model.predict(x) as tf.Tensor).dataSync())
    const viaCache = tf.tidy(() => (built.head!.predict(built.featureExtractor!.predict(x) as tf.Tensor) as tf.Tensor).dataSync())
    expect(Array.from(viaCache)).toEqual(Array.from(direct))
    // The copy carries the loaded weights: features equal the loaded base's own output.
    const own = tf.tidy(() => (base.model.predict(x) as tf.Tensor).dataSync())
    const cut = tf.tidy(() => (built.featureExtractor!.predict(x) as tf.Tensor).dataSync())
    expect(Array.from(cut)).toEqual(Array.from(own))
    x.dispose()
    built.model.dispose()
  })

  it('setPhase freezes the base, then unfreezes the last N weighted layers or from a named layer', () => {
    const built = buildModel(transfer(base.info.id, { inputSize: 32, headUnits: 16 }), {
      numClasses: 10,
      imageSize: 32,
      seed: 1,
      base,
    })
    expect(built.setPhase('train').trainableLayerNames).toEqual([])
    expect(built.model.trainableWeights.map((w) => w.originalName)).toEqual([
      'head_dense/kernel',
      'head_dense/bias',
      'predictions/kernel',
      'predictions/bias',
    ])
    expect(built.setPhase('finetune', fineTune({ trainableLayers: 3 })).trainableLayerNames).toEqual([
      'block_3_expand',
      'block_3_project',
      'head_conv',
    ])
    expect(built.model.trainableWeights.length).toBe(4 + 3 * 2)
    expect(built.model.getLayer('block_2_project').trainable).toBe(false)
    expect(built.model.getLayer('head_relu').trainable).toBe(true)
    const from = built.setPhase('finetune', fineTune({ fromLayer: 'block_2_expand', trainableLayers: 3 }))
    expect(from.trainableLayerNames).toEqual([
      'block_2_expand',
      'block_2_project',
      'block_3_expand',
      'block_3_project',
      'head_conv',
    ])
    expect(built.model.getLayer('block_1_project').trainable).toBe(false)
    expect(() => built.setPhase('finetune', fineTune({ fromLayer: 'no_such_layer' }))).toThrow(/"no_such_layer" is not a layer/)
    built.setPhase('train')
    expect(built.model.trainableWeights.length).toBe(4)
    expect(base.model.layers.filter((l) => l.weights.length > 0).every((l) => l.trainable)).toBe(true)
    built.model.dispose()
  })

  it('a cut layer that does not exist is an error naming it', () => {
    expect(() =>
      buildModel(transfer(base.info.id, { cutLayer: 'fc7' }), { numClasses: 10, imageSize: 32, seed: 1, base }),
    ).toThrow(/cut layer "fc7" is not in the base/)
  })
})

describe.skipIf(noShared !== null)('transfer from the shared tfjs MobileNetV2', () => {
  let base: LoadedBase
  beforeAll(async () => {
    base = {
      info: info('mobilenetv2-imagenet', 'mobilenetv2', 'tfjs-layers', 'head_relu'),
      model: await loadTfjsFolder(sharedPath(MOBILENET)),
    }
  })
  afterAll(() => base?.model.dispose())

  it('builds at 96 px with 3x3x1280 features, a named head and model = head(features)', () => {
    const built = buildModel(transfer(base.info.id), { numClasses: 10, imageSize: 32, seed: 1, base })
    expect(built.inputSize).toBe(96)
    expect(built.preprocessing).toBe('imagenet-mean-std')
    expect(built.featureExtractor!.inputs[0]!.shape).toEqual([null, 96, 96, 3])
    expect(built.featureExtractor!.outputs[0]!.shape).toEqual([null, 3, 3, 1280])
    expect(built.head!.inputs[0]!.shape).toEqual([null, 3, 3, 1280])
    const s = summarizeModel(built.model)
    expect(s.layers.slice(-4).map((l) => l.name)).toEqual(['head_pool', 'head_dense', 'head_dropout', 'predictions'])
    // The base's 2,206,816 frozen parameters, the head's 1280·256+256 + 256·10+10 trainable ones.
    expect(s.totalParams).toBe(2_206_816 + 327_936 + 2_570)
    expect(s.trainableParams).toBe(327_936 + 2_570)
    expect(s.layers.find((l) => l.name === 'block_16_project')!.outputShape).toEqual([null, 3, 3, 320])

    const x = tf.randomUniform([2, 96, 96, 3], -2, 2, 'float32', 5)
    const direct = tf.tidy(() => (built.model.predict(x) as tf.Tensor).dataSync())
    const viaCache = tf.tidy(() => (built.head!.predict(built.featureExtractor!.predict(x) as tf.Tensor) as tf.Tensor).dataSync())
    expect(Array.from(viaCache)).toEqual(Array.from(direct))
    // The copy carries the pretrained weights: features equal the loaded base's own output.
    const own = tf.tidy(() => (base.model.predict(x) as tf.Tensor).dataSync())
    const cut = tf.tidy(() => (built.featureExtractor!.predict(x) as tf.Tensor).dataSync())
    expect(Array.from(cut)).toEqual(Array.from(own))
    x.dispose()
    built.model.dispose()
  })

  it('setPhase freezes the base, then unfreezes the last N weighted layers or from a named layer', () => {
    const built = buildModel(transfer(base.info.id), { numClasses: 10, imageSize: 32, seed: 1, base })
    const baseLayers = built.featureExtractor!.layers.filter((l) => l.getClassName() !== 'InputLayer')
    expect(built.setPhase('train').trainableLayerNames).toEqual([])
    expect(baseLayers.every((l) => !l.trainable)).toBe(true)
    expect(built.model.trainableWeights.map((w) => w.originalName)).toEqual([
      'head_dense/kernel',
      'head_dense/bias',
      'predictions/kernel',
      'predictions/bias',
    ])

    const last3 = built.setPhase('finetune', fineTune({ trainableLayers: 3 }))
    expect(last3.trainableLayerNames).toEqual(['block_16_depthwise', 'block_16_project', 'head_conv'])
    expect(built.model.trainableWeights.length).toBe(4 + 3 * 2)
    expect(built.model.getLayer('block_16_expand').trainable).toBe(false)
    expect(built.model.getLayer('head_relu').trainable).toBe(true)

    const from = built.setPhase('finetune', fineTune({ fromLayer: 'block_15_expand', trainableLayers: 3 }))
    expect(from.trainableLayerNames).toEqual([
      'block_15_expand',
      'block_15_depthwise',
      'block_15_project',
      'block_16_expand',
      'block_16_depthwise',
      'block_16_project',
      'head_conv',
    ])
    expect(built.model.getLayer('block_14_project').trainable).toBe(false)
    expect(() => built.setPhase('finetune', fineTune({ fromLayer: 'no_such_layer' }))).toThrow(/"no_such_layer" is not a layer/)
    // Back to phase 1: everything in the base frozen again; the loaded base itself was never touched.
    built.setPhase('train')
    expect(built.model.trainableWeights.length).toBe(4)
    expect(base.model.layers.filter((l) => l.weights.length > 0).every((l) => l.trainable)).toBe(true)
    built.model.dispose()
  })

  it('a cut layer that does not exist is an error naming it', () => {
    expect(() =>
      buildModel(transfer(base.info.id, { cutLayer: 'fc7' }), { numClasses: 10, imageSize: 32, seed: 1, base }),
    ).toThrow(/cut layer "fc7" is not in the base/)
  })
})

describe.skipIf(noShared !== null)('transfer from the shared tfjs SqueezeNet', () => {
  it('cuts at fire9_concat, dropping the ImageNet classifier', async () => {
    const base = {
      info: info('squeezenet1.1-imagenet', 'squeezenet', 'tfjs-layers', 'fire9_concat'),
      model: await loadTfjsFolder(sharedPath(SQUEEZENET)),
    }
    const built = buildModel(transfer(base.info.id, { headPooling: 'flatten', headUnits: 64 }), {
      numClasses: 10,
      imageSize: 32,
      seed: 3,
      base,
    })
    expect(built.featureExtractor!.outputs[0]!.shape).toEqual([null, 5, 5, 512])
    const names = built.model.layers.map((l) => l.name)
    expect(names).not.toContain('conv10')
    expect(names).toContain('head_flatten')
    expect(built.head!.getLayer('head_dense').weights[0]!.shape).toEqual([5 * 5 * 512, 64])
    built.model.dispose()
    base.model.dispose()
  })
})

describe('transfer from a Keras MobileNetV2 with batch normalisation', () => {
  it('keeps the base BatchNorm layers in inference mode while they train', () => {
    const base: LoadedBase = {
      info: info('mobilenetv2-keras', 'mobilenetv2', 'keras-h5', 'out_relu'),
      model: mobileNetV2NoTop(null),
    }
    const built = buildModel(transfer(base.info.id, { inputSize: 64 }), { numClasses: 10, imageSize: 32, seed: 1, base })
    expect(built.preprocessing).toBe('minus-one-one')
    expect(built.featureExtractor!.outputs[0]!.shape).toEqual([null, 2, 2, 1280])
    built.setPhase('finetune', fineTune({ trainableLayers: 5 }))
    expect(built.model.getLayer('Conv_1_bn').trainable).toBe(true)
    const x = tf.randomUniform([4, 64, 64, 3], -1, 1, 'float32', 9)
    const inference = tf.tidy(() => (built.featureExtractor!.predict(x) as tf.Tensor).dataSync())
    const training = tf.tidy(() => (built.featureExtractor!.apply(x, { training: true }) as tf.Tensor).dataSync())
    expect(Array.from(training)).toEqual(Array.from(inference))
    x.dispose()
    built.model.dispose()
    base.model.dispose()
  })
})

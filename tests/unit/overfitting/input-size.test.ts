import { describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import { featureMapSide, inputSizeCost, sizeEvidence } from '@shared/domain/input-size'
import * as tf from '../../../src-main/engine/tf'
import { buildModel, loadTfjsFolder, type LoadedBase } from '../../../src-main/engine/architectures'
import { KERAS_ARCHITECTURES, mobileNetV2NoTop, vgg16NoTop } from '../../../src-main/engine/architectures/keras'
import { TIMM_ARCHITECTURES } from '../../../src-main/engine/architectures/timm'
import type { BaseModelInfo, TransferModelConfig } from '@shared/index'
import { missingShared, sharedPath } from '../../support/shared-data'

const transfer = (inputSize: number) =>
  ExperimentConfig.parse({ name: 'x', data: { datasetId: 'd' }, model: { kind: 'transfer', baseId: 'b', inputSize } }).model

describe('what a base below its native size costs', () => {
  it('MobileNetV2 at 32 px keeps a 1×1 feature map where 224 px gives 7×7, at about 2% of the compute', () => {
    const cost = inputSizeCost(transfer(32), 'mobilenetv2')!
    expect(cost).toMatchObject({ inputSize: 32, nativeSize: 224, featureSide: 1, nativeFeatureSide: 7 })
    expect(cost.computeRatio).toBeCloseTo(1 / 49, 12)
    expect(inputSizeCost(transfer(96), 'mobilenetv2')!.featureSide).toBe(3)
  })

  it('says nothing at the native size, for a custom base or a scratch model', () => {
    expect(inputSizeCost(transfer(224), 'mobilenetv2')).toBeNull()
    expect(inputSizeCost(transfer(32), 'custom')).toBeNull()
    expect(inputSizeCost(transfer(32), null)).toBeNull()
    const scratch = ExperimentConfig.parse({ name: 'x', data: { datasetId: 'd' }, model: { kind: 'scratch' } }).model
    expect(inputSizeCost(scratch, 'mobilenetv2')).toBeNull()
  })

  it('the feature map sides are those of the built models (every Keras and timm family at every input size)', () => {
    const info = (family: BaseModelInfo['family'], cut: string): BaseModelInfo => ({
      id: family,
      name: family,
      family,
      format: 'keras-h5',
      path: 'x',
      sha256: '',
      preprocessing: 'caffe',
      defaultCutLayer: cut,
      minInputSize: 32,
      source: 'test',
      summary: null,
      registeredAt: '2025-01-01T00:00:00.000Z',
    })
    const cases = [
      [info('mobilenetv2', 'out_relu'), () => mobileNetV2NoTop(null)],
      [info('vgg16', 'block5_pool'), () => vgg16NoTop(null)],
      [info('resnet50', 'conv5_block3_out'), () => KERAS_ARCHITECTURES.resnet50(null)],
      [info('efficientnetb0', 'top_activation'), () => KERAS_ARCHITECTURES.efficientnetb0(null)],
      [info('timm-resnet18', 'layer4.1.act2'), () => TIMM_ARCHITECTURES.resnet18(null)],
      [info('timm-efficientnet_b0', 'bn2.act'), () => TIMM_ARCHITECTURES.efficientnet_b0(null)],
    ] as const
    for (const [baseInfo, make] of cases) {
      for (const size of [32, 64, 96]) {
        const base: LoadedBase = { info: baseInfo, model: make() }
        const built = buildModel(
          { ...(transfer(size) as TransferModelConfig), baseId: baseInfo.id },
          {
            numClasses: 10,
            imageSize: 32,
            seed: 1,
            base,
          },
        )
        expect(built.featureExtractor!.outputs[0]!.shape[1], `${baseInfo.family} at ${size}`).toBe(
          featureMapSide(baseInfo.family as 'mobilenetv2', size),
        )
        base.model.dispose()
        built.model.dispose()
      }
    }
  })

  it("timm's MobileNetV3 pools before its head, so its side is that of the last map before global_pool", () => {
    for (const size of [32, 64, 96]) {
      const model = TIMM_ARCHITECTURES.mobilenetv3_large_100(size)
      const pooled = model.getLayer('global_pool').input as tf.SymbolicTensor
      expect(pooled.shape[1], `at ${size}`).toBe(featureMapSide('timm-mobilenetv3_large_100', size))
      model.dispose()
    }
  })

  const SQUEEZENET = 'models/squeezenet1.1-imagenet'
  const noShared = missingShared('SqueezeNet’s feature map side at 32/96/224 px', SQUEEZENET)
  it.skipIf(noShared !== null)('SqueezeNet 1.1’s fire9 side matches the shared model (13×13 at 224 px)', async () => {
    const model = await loadTfjsFolder(sharedPath(SQUEEZENET))
    for (const size of [32, 96, 224]) {
      const x = tf.zeros([1, size, size, 3])
      const sub = tf.model({ inputs: model.inputs, outputs: model.getLayer('fire9_concat').output })
      const y = sub.predict(x) as tf.Tensor
      expect(y.shape[1], `at ${size}`).toBe(featureMapSide('squeezenet', size))
      x.dispose()
      y.dispose()
    }
    expect(featureMapSide('squeezenet', 224)).toBe(13)
    model.dispose()
  })
})

describe('what the history shows a larger input gains', () => {
  it('groups the runs by input size and compares this size with the largest other one', () => {
    const runs = [
      { id: 'a', inputSize: 32, testAccuracy: 0.6 },
      { id: 'b', inputSize: 32, testAccuracy: 0.64 },
      { id: 'c', inputSize: 96, testAccuracy: 0.8 },
      { id: 'd', inputSize: 64, testAccuracy: 0.7 },
    ]
    const { sizes, gain } = sizeEvidence(runs, 32)
    expect(sizes.map((s) => [s.inputSize, s.runs])).toEqual([
      [32, 2],
      [64, 1],
      [96, 1],
    ])
    expect(sizes[0]!.meanTestAccuracy).toBeCloseTo(0.62, 12)
    expect(sizes[0]!.bestTestAccuracy).toBe(0.64)
    expect(gain!.from).toBe(32)
    expect(gain!.to).toBe(96)
    expect(gain!.points).toBeCloseTo(0.18, 12)
  })

  it('has no gain to show with one size only, or with no run at the size asked about', () => {
    expect(sizeEvidence([{ id: 'a', inputSize: 32, testAccuracy: 0.6 }], 32).gain).toBeNull()
    expect(sizeEvidence([{ id: 'a', inputSize: 96, testAccuracy: 0.6 }], 32).gain).toBeNull()
    expect(sizeEvidence([], 32)).toEqual({ sizes: [], gain: null })
  })
})

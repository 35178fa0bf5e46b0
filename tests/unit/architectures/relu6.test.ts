import { describe, expect, it } from 'vitest'
import type { BaseModelInfo } from '@shared/index'
import { buildModel, loadTfjsFolder } from '../../../src-main/engine/architectures'
import { useRelu6Kernel } from '../../../src-main/engine/architectures/relu6'
import * as tf from '../../../src-main/engine/tf'
import { missingShared, sharedPath } from '../../support/shared-data'

const mobilenetDir = sharedPath('models/mobilenetv2-imagenet')
const haveShared = missingShared('the MobileNetV2 ReLU6 check', 'models/mobilenetv2-imagenet/model.json') === null

describe('ReLU(maxValue 6) layers on the single Relu6 kernel', () => {
  // Values on both kinks (0 and 6) and on each side of them, where the two gradients could differ.
  const x = tf.tensor2d([[-3, -0, 0, 1e-7, 2.5, 5.999999, 6, 6.000001, 9]])

  function layerPair() {
    const stock = tf.layers.reLU({ maxValue: 6, name: 'relu_a' })
    const fast = tf.layers.reLU({ maxValue: 6, name: 'relu_b' })
    expect(useRelu6Kernel(fast)).toBe(true)
    return { stock, fast }
  }

  it('gives bit-identical outputs and gradients, with one forward kernel instead of two', async () => {
    const { stock, fast } = layerPair()
    const run = (layer: tf.layers.Layer) => {
      const grad = tf.grad((t: tf.Tensor) =>
        tf.sum(tf.mul(layer.apply(t) as tf.Tensor, tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8, 9]]))),
      )
      return { y: Array.from((layer.apply(x) as tf.Tensor).dataSync()), dx: Array.from(grad(x).dataSync()) }
    }
    const a = run(stock)
    const b = run(fast)
    expect(b.y).toEqual(a.y)
    expect(b.dx).toEqual(a.dx)
    expect(a.dx).toEqual([0, 0, 0, 4, 5, 6, 7, 0, 0])
    const kernels = async (layer: tf.layers.Layer) => (await tf.profile(() => layer.apply(x) as tf.Tensor)).kernelNames
    expect(await kernels(stock)).toEqual(['Relu', 'ClipByValue'])
    expect(await kernels(fast)).toEqual(['Relu6'])
  })

  it('switches only a plain ReLU capped at 6; the layer keeps its class, name and config', () => {
    expect(useRelu6Kernel(tf.layers.reLU({ name: 'uncapped' }))).toBe(false)
    expect(useRelu6Kernel(tf.layers.reLU({ maxValue: 1 }))).toBe(false)
    expect(useRelu6Kernel(tf.layers.activation({ activation: 'relu6' }))).toBe(false)
    const { fast } = layerPair()
    expect(fast.getClassName()).toBe('ReLU')
    expect(fast.name).toBe('relu_b')
    expect(fast.getConfig()).toMatchObject({ maxValue: 6 })
  })

  it.skipIf(!haveShared)(
    'a MobileNetV2 transfer model fuses each ReLU6 into its convolution outside training, and runs Relu6 under a tape; both match the loaded base bit for bit',
    async () => {
      await tf.setBackend('cpu')
      const base = await loadTfjsFolder(mobilenetDir)
      const info: BaseModelInfo = {
        id: 'm',
        name: 'm',
        family: 'mobilenetv2',
        format: 'tfjs-layers',
        path: mobilenetDir,
        sha256: '',
        preprocessing: 'imagenet-mean-std',
        defaultCutLayer: 'head_relu',
        minInputSize: 32,
        source: 'test',
        summary: null,
        registeredAt: new Date().toISOString(),
      }
      const built = buildModel(
        {
          kind: 'transfer',
          baseId: 'm',
          cutLayer: null,
          inputSize: 32,
          headPooling: 'gap',
          headUnits: 8,
          headDropout: 0,
          fineTune: { enabled: false, epochs: 1, learningRate: 1e-4, trainableLayers: 1, fromLayer: null },
        },
        { numClasses: 10, imageSize: 32, seed: 1, base: { info, model: base } },
      )
      const extractor = built.featureExtractor!
      const input = tf.randomNormal([2, 32, 32, 3], 0, 1, 'float32', 3)
      const bytes = async (t: tf.Tensor) => Buffer.from((await t.data()).buffer)

      // Predictions: every ReLU6 runs inside its convolution.
      const profile = await tf.profile(() => extractor.predict(input))
      expect(profile.kernelNames).toContain('FusedDepthwiseConv2D')
      expect(profile.kernelNames).not.toContain('Relu6')
      expect(profile.kernelNames).not.toContain('ClipByValue')
      const ours = extractor.predict(input) as tf.Tensor
      const theirs = base.predict(input) as tf.Tensor
      expect((await bytes(ours)).equals(await bytes(theirs))).toBe(true)

      // Under a gradient tape the convolution and the Relu6 kernel run apart, so gradients exist.
      // The gradient with respect to the image goes back through every ReLU6 of the base.
      const gradOf = (model: tf.LayersModel) => tf.grad((t: tf.Tensor) => tf.sum(model.apply(t) as tf.Tensor))(input)
      const taped = await tf.profile(() => gradOf(extractor))
      expect(taped.kernelNames).toContain('Relu6')
      const g1 = gradOf(extractor)
      const g2 = gradOf(base)
      expect((await bytes(g1)).equals(await bytes(g2))).toBe(true)

      const exported = built.model.toJSON(null, false) as unknown as {
        config: { layers: Array<{ class_name: string; name: string }> }
      }
      expect(exported.config.layers.find((l) => l.name === 'block_16_expand_relu')?.class_name).toBe('ReLU')
      tf.dispose([input, ours, theirs, g1, g2])
      built.model.dispose()
      base.dispose()
    },
  )
})

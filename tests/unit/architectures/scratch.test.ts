import { describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { SEED_CNN } from '@shared/domain/config'
import { buildModel, summarizeModel } from '../../../src-main/engine/architectures'
import type { ScratchModelConfig } from '@shared/index'

const opts = { numClasses: 10, imageSize: 32, seed: 42, base: null }

/** Keras' parameter formulas, independent of tfjs: conv k*k*in*out + out, dense in*out + out. */
function kerasParams(convs: Array<[number, number]>, flatten: number, dense: number, classes: number): number {
  const conv = convs.reduce((sum, [cin, cout]) => sum + 3 * 3 * cin * cout + cout, 0)
  return conv + flatten * dense + dense + dense * classes + classes
}

describe('scratch CNN', () => {
  it('Seed CNN has Keras names, shapes, parameter counts and FLOPs', () => {
    const built = buildModel(SEED_CNN, opts)
    const s = summarizeModel(built.model)
    expect(s.layers.map((l) => l.name)).toEqual([
      'input',
      'block1_conv1',
      'block1_pool',
      'block2_conv1',
      'block2_pool',
      'flatten',
      'fc1',
      'predictions',
    ])
    expect(s.layers.find((l) => l.name === 'flatten')!.outputShape).toEqual([null, 8 * 8 * 64])
    const expected = kerasParams(
      [
        [3, 32],
        [32, 64],
      ],
      8 * 8 * 64,
      512,
      10,
    )
    expect(expected).toBe(2_122_186)
    expect(s.totalParams).toBe(expected)
    expect(s.trainableParams).toBe(expected)
    expect(s.sizeBytes).toBe(expected * 4)
    // conv: 2·H·W·out·(k·k·in); dense: 2·in·out
    const flops = 2 * (32 * 32 * 32 * 27 + 16 * 16 * 64 * 288 + 4096 * 512 + 512 * 10)
    expect(s.flopsPerImage).toBe(flops)
    expect(built.preprocessing).toBe('unit')
    built.model.dispose()
  })

  it("two convs per block give the 2,168,362 parameters of Keras' CIFAR-10 example CNN", () => {
    const built = buildModel({ ...SEED_CNN, convsPerBlock: 2 }, opts)
    const expected = kerasParams(
      [
        [3, 32],
        [32, 32],
        [32, 64],
        [64, 64],
      ],
      4096,
      512,
      10,
    )
    expect(expected).toBe(2_168_362)
    expect(summarizeModel(built.model).totalParams).toBe(expected)
    expect(built.model.getLayer('block2_conv2').outputShape).toEqual([null, 16, 16, 64])
    built.model.dispose()
  })

  it('batch norm, dropout and global average pooling are named layers', () => {
    const config: ScratchModelConfig = {
      ...SEED_CNN,
      convBlocks: 3,
      filters: [16, 32, 64],
      batchNorm: true,
      dropout: 0.25,
      pooling: 'gap',
      denseUnits: 128,
    }
    const built = buildModel(config, opts)
    const s = summarizeModel(built.model)
    const names = s.layers.map((l) => l.name)
    for (const n of ['block1_bn1', 'block1_relu1', 'block3_pool', 'block3_dropout', 'avg_pool', 'fc1_dropout'])
      expect(names).toContain(n)
    expect(names).not.toContain('flatten')
    // BatchNorm's moving mean and variance are not trainable: 2 × channels per BN layer.
    expect(s.nonTrainableParams).toBe(2 * (16 + 32 + 64))
    expect(built.model.getLayer('block1_conv1').weights.length).toBe(1) // no bias before BN
    built.model.dispose()
  })

  it('the same seed gives bit-identical initial weights, another seed different ones', () => {
    const weights = (seed: number) => {
      const built = buildModel(SEED_CNN, { ...opts, seed })
      const values = built.model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer))
      built.model.dispose()
      return values
    }
    const a = weights(7)
    const b = weights(7)
    const c = weights(8)
    expect(a.length).toBe(8)
    a.forEach((w, i) => expect(w.equals(b[i]!)).toBe(true))
    expect(a[0]!.equals(c[0]!)).toBe(false)
    expect(a[4]!.equals(c[4]!)).toBe(false)
    // Each layer has its own stream: fc1's and predictions' kernels do not start alike.
    expect(a[4]!.subarray(0, 32).equals(a[6]!.subarray(0, 32))).toBe(false)
  })

  it('trains: the optimizer lowers the loss on a tiny batch', async () => {
    // Small on purpose (the trainer's tests train real data): 8x8 images, few filters.
    const built = buildModel({ ...SEED_CNN, filters: [4, 8], denseUnits: 16 }, { ...opts, imageSize: 8 })
    built.model.compile({ optimizer: tf.train.adam(1e-2), loss: 'categoricalCrossentropy' })
    const x = tf.randomUniform([8, 8, 8, 3], 0, 1, 'float32', 1)
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10)
    const history = await built.model.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 })
    const losses = history.history.loss as number[]
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!)
    tf.dispose([x, y])
    built.model.dispose()
  })
})

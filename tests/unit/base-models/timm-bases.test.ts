import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BaseModelInfo } from '@shared/domain/model'
import type { RunDetail } from '@shared/domain/run'
import * as tf from '../../../src-main/engine/tf'
import { buildModel, loadBaseFromInfo } from '../../../src-main/engine/architectures'
import { timmMobileNetV3Large100, timmResnet18 } from '../../../src-main/engine/architectures/timm'
import { timmStateDict, writeSafetensors } from '../architectures/safetensors-fixtures'
import { tempDir, writeCifarBinary } from '../data/fixtures'
import { runCli as cli } from '../support/cli'

let work: string
let home: string
let resnetFile: string
beforeAll(async () => {
  work = tempDir('cwb-timm-bases-')
  home = join(work, 'home')
  expect((await cli(home, 'dataset', 'import', writeCifarBinary(work, 6), '--name', 'tiny')).code).toBe(0)
  // A state_dict as timm writes it for resnet18 (names, OIHW layouts, int64 num_batches_tracked), seeded values.
  const model = timmResnet18(null)
  resnetFile = writeSafetensors(join(work, 'resnet18.safetensors'), timmStateDict(model, 2))
  model.dispose()
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('timm bases in the registry', () => {
  it("a resnet18 state_dict is recognised from its tensor names and registered with timm's preprocessing", async () => {
    const r = await cli(home, '--json', 'models', 'import', resnetFile)
    expect(r.code, r.stderr).toBe(0)
    const base = JSON.parse(r.stdout) as BaseModelInfo
    expect(base).toMatchObject({
      id: 'resnet18-timm',
      family: 'timm-resnet18',
      format: 'safetensors',
      preprocessing: 'imagenet-mean-std',
      defaultCutLayer: 'layer4.1.act2',
      minInputSize: 32,
    })
    const layers = base.summary!.layers.map((l) => `${l.name}:${l.outputShape.join('x')}`)
    expect(layers).toContain('layer1.0.conv1:x56x56x64')
    expect(layers.at(-1)).toBe('layer4.1.act2:x7x7x512')
    const again = await cli(home, 'models', 'import', resnetFile)
    expect(again.stdout).toMatch(/^already registered resnet18-timm/)
  })

  it('--arch names the architecture; a file that is not it fails naming the first missing tensor', async () => {
    const model = timmMobileNetV3Large100(null)
    const file = writeSafetensors(join(work, 'mnv3.safetensors'), timmStateDict(model, 3))
    model.dispose()
    const ok = await cli(home, '--json', 'models', 'import', file, '--arch', 'mobilenetv3_large_100', '--name', 'mnv3')
    expect(ok.code, ok.stderr).toBe(0)
    expect(JSON.parse(ok.stdout)).toMatchObject({ id: 'mnv3', family: 'timm-mobilenetv3_large_100', defaultCutLayer: 'act2' })

    const wrong = await cli(home, 'models', 'import', resnetFile, '--arch', 'efficientnet_b0', '--name', 'nope')
    expect(wrong.code).toBe(1)
    expect(wrong.stderr.trim()).toBe(`error: ${resnetFile}: tensor "conv_stem.weight" is missing (for layer "conv_stem")`)
    const unknown = await cli(home, 'models', 'import', resnetFile, '--arch', 'vgg16')
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain(
      '--arch for a .safetensors file must be one of resnet18, resnet50, efficientnet_b0, mobilenetv3_large_100',
    )
    const list = await cli(home, '--json', 'models', 'list')
    const registered = (JSON.parse(list.stdout) as BaseModelInfo[]).filter((b) => b.format === 'safetensors')
    expect(registered.map((b) => b.id).sort()).toEqual(['mnv3', 'resnet18-timm'])
  })

  it(
    'trains a frozen resnet18 with a head, then fine-tunes it; the summary says BatchNorm stays in inference mode',
    { timeout: 300_000 },
    async () => {
      const config = join(work, 'resnet18-transfer.json')
      writeFileSync(
        config,
        JSON.stringify({
          name: 'resnet18 transfer',
          model: {
            kind: 'transfer',
            baseId: 'resnet18-timm',
            inputSize: 32,
            fineTune: { enabled: true, epochs: 1, learningRate: 1e-4, trainableLayers: 4 },
          },
        }),
      )
      const r = await cli(home, '--json', 'train', '--config', config, '--epochs', '1', '--train-size', '20', '--seed', '1')
      expect(r.code, r.stderr).toBe(0)
      const run = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as RunDetail
      expect(run.status).toBe('completed')
      expect(run.config.model).toMatchObject({ kind: 'transfer', baseId: 'resnet18-timm', inputSize: 32 })
      // resnet18: bn1, two per BasicBlock (8 blocks) and three downsample BatchNorms.
      expect(run.modelSummary!.inferenceBatchNorm).toBe(20)
      const shown = await cli(home, 'runs', 'show', run.id)
      expect(shown.stdout).toContain('BatchNorm in inference mode')
    },
  )

  it('fine-tuning a timm base updates its BatchNorm scale but not its moving statistics', { timeout: 120_000 }, async () => {
    const info = (JSON.parse((await cli(home, '--json', 'models', 'list')).stdout) as BaseModelInfo[]).find(
      (b) => b.id === 'resnet18-timm',
    )!
    const base = await loadBaseFromInfo(home, info)
    const built = buildModel(
      {
        kind: 'transfer',
        baseId: info.id,
        cutLayer: null,
        inputSize: 32,
        headPooling: 'gap',
        headUnits: 8,
        headDropout: 0,
        fineTune: { enabled: true, epochs: 1, learningRate: 0.1, trainableLayers: 2, fromLayer: null },
      },
      { numClasses: 10, imageSize: 32, seed: 1, base },
    )
    base.model.dispose()
    try {
      const { trainableLayerNames } = built.setPhase('finetune', {
        enabled: true,
        epochs: 1,
        learningRate: 0.1,
        trainableLayers: 2,
        fromLayer: null,
      })
      expect(trainableLayerNames).toEqual(['layer4.1.conv2', 'layer4.1.bn2'])
      const bn = built.model.getLayer('layer4.1.bn2')
      const before = bn.getWeights().map((w) => Array.from(w.dataSync()))
      built.model.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' })
      const x = tf.randomUniform([8, 32, 32, 3], -2, 2, 'float32', 5)
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10)
      await built.model.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 })
      const after = bn.getWeights().map((w) => Array.from(w.dataSync()))
      tf.dispose([x, y])
      expect(after[0]).not.toEqual(before[0]) // gamma trained
      expect(after[2]).toEqual(before[2]) // moving mean kept
      expect(after[3]).toEqual(before[3]) // moving variance kept
    } finally {
      built.model.dispose()
    }
  })
})

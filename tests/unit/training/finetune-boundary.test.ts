import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BaseFamily, BaseModelInfo, FineTuneConfig, TransferModelConfig } from '@shared/index'
import { buildModel, loadTfjsFolder, type LoadedBase } from '../../../src-main/engine/architectures'
import * as tf from '../../../src-main/engine/tf'
import { fineTuneBoundary } from '../../../src-main/engine/training/finetune-boundary'
import { missingShared } from '../../support/shared-data'
import { MOBILENET, mobilenetDir, tinyBase, writeLayersModel } from './fixtures'

const info = (id: string, family: BaseModelInfo['family'], path: string): BaseModelInfo => ({
  id,
  name: id,
  family,
  format: 'tfjs-layers',
  path,
  sha256: '',
  preprocessing: 'imagenet-mean-std',
  defaultCutLayer: 'head_relu',
  minInputSize: 32,
  source: 'test',
  summary: null,
  registeredAt: new Date().toISOString(),
})

const config = (fineTune: Partial<FineTuneConfig>): TransferModelConfig => ({
  kind: 'transfer',
  baseId: 'base',
  cutLayer: null,
  inputSize: 32,
  headPooling: 'gap',
  headUnits: 16,
  headDropout: 0,
  fineTune: { enabled: true, epochs: 1, learningRate: 1e-4, trainableLayers: null, fromLayer: null, ...fineTune },
})

/** A base folder to load and its cases: fine-tune settings → the cached layer and the first trainable one. */
interface Tier {
  name: string
  skip: string | null
  folder: () => Promise<string>
  family: BaseFamily
  cases: Array<[string, Partial<FineTuneConfig>, string, string]>
}

const scratch = mkdtempSync(join(tmpdir(), 'boundary-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const tiers: Tier[] = [
  {
    name: 'a generated base with residual blocks',
    skip: null,
    folder: () => writeLayersModel(tinyBase(), join(scratch, 'tiny-base')),
    family: 'custom',
    cases: [
      // The last 4 weighted layers start at block_2_project, inside block 2, whose skip runs from block_1_add.
      ['the last 4 layers', { trainableLayers: 4 }, 'block_1_add', 'block_2_project'],
      // Inside block 1, whose skip runs from stem_relu: back to stem_relu, block_1_expand stays frozen.
      ['from inside a residual block', { fromLayer: 'block_1_project' }, 'stem_relu', 'block_1_project'],
      // Block 3 has no skip: its own relu output is already one tensor.
      ['from inside a block without a residual', { fromLayer: 'block_3_project' }, 'block_3_relu', 'block_3_project'],
    ],
  },
  {
    name: 'the shared MobileNetV2',
    skip: missingShared('the fine-tune boundary tests on the shared MobileNetV2', MOBILENET),
    folder: () => Promise.resolve(mobilenetDir),
    family: 'mobilenetv2',
    cases: [
      // The last 4 weighted layers start at block_16_expand, whose input is block_15_add's output.
      ['the last 4 layers', { trainableLayers: 4 }, 'block_15_add', 'block_16_expand'],
      // Inside block 15, whose skip runs from block_14_add to block_15_add: back to block_14_add, expand stays frozen.
      ['from inside a residual block', { fromLayer: 'block_15_depthwise' }, 'block_14_add', 'block_15_depthwise'],
      // Block 13 (stride 2) has no skip: its own padding output is already one tensor.
      ['from inside a block without a residual', { fromLayer: 'block_13_depthwise' }, 'block_13_pad', 'block_13_depthwise'],
    ],
  },
]

for (const tier of tiers)
  describe.skipIf(tier.skip !== null)(`the exact fine-tuning boundary in ${tier.name}`, () => {
    let base: LoadedBase
    beforeAll(async () => {
      const folder = await tier.folder()
      base = { info: info('base', tier.family, folder), model: await loadTfjsFolder(folder) }
    })
    afterAll(() => base?.model.dispose())

    function boundaryFor(fineTune: Partial<FineTuneConfig>) {
      const built = buildModel(config(fineTune), { numClasses: 10, imageSize: 32, seed: 1, base })
      const { trainableLayerNames } = built.setPhase('finetune', config(fineTune).fineTune)
      const boundary = fineTuneBoundary(built.model)
      return { built, boundary, trainableLayerNames }
    }

    for (const [what, fineTune, layer, firstTrainable] of tier.cases) {
      it(`${what}: caches ${layer}, and prefix → suffix equals the whole model with the same trainable weights`, () => {
        const { built, boundary, trainableLayerNames } = boundaryFor(fineTune)
        expect(boundary).not.toBeNull()
        expect(boundary!.layer).toBe(layer)
        expect(boundary!.firstTrainable).toBe(firstTrainable)
        expect(trainableLayerNames[0]).toBe(firstTrainable)
        // The suffix trains exactly what the whole model trains (the same variables, not copies).
        const ids = (ws: tf.LayerVariable[]) => ws.map((w) => w.id).sort()
        expect(ids(boundary!.suffix.trainableWeights)).toEqual(ids(built.model.trainableWeights))
        expect(boundary!.suffix.layers.some((l) => l.name === 'stem_conv')).toBe(false)
        const [whole, split] = tf.tidy(() => {
          const x = tf.randomNormal([3, 32, 32, 3], 0, 1, 'float32', 5)
          const cached = boundary!.prefix.apply(x, { training: false }) as tf.Tensor
          return [
            built.model.apply(x, { training: true }) as tf.Tensor,
            boundary!.suffix.apply(cached, { training: true }) as tf.Tensor,
          ]
        })
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(whole, split))).dataSync()[0]!)
        expect(diff).toBeLessThan(1e-6)
        tf.dispose([whole, split])
        built.model.dispose()
      })
    }

    it('no boundary when no layer with weights is frozen before the first trainable one (a parameter-free padding alone is not worth caching)', () => {
      const { built, boundary } = boundaryFor({ fromLayer: 'stem_conv' })
      expect(boundary).toBeNull()
      built.model.dispose()
    })
  })

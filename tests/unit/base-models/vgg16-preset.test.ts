import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BaseModelInfo } from '@shared/domain/model'
import type { RunDetail } from '@shared/domain/run'
import * as tf from '../../../src-main/engine/tf'
import { loadKerasBase } from '../../../src-main/engine/architectures/keras'
import { randomValues } from '../architectures/h5-fixtures'
import { tempDir, writeCifarBinary } from '../data/fixtures'
import { runCli as cli } from '../support/cli'
import { runPython, workbenchPython } from '../support/python'

let work: string
let home: string
beforeAll(async () => {
  work = tempDir('cwb-vgg16-')
  home = join(work, 'home')
  expect((await cli(home, 'dataset', 'import', writeCifarBinary(work, 6), '--name', 'tiny')).code).toBe(0)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('the vgg16-transfer preset', () => {
  it('without a VGG16 base says exactly how to get one', async () => {
    const r = await cli(home, 'train', '--preset', 'vgg16-transfer')
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe(
      "error: no vgg16 base is registered; get Keras' VGG16 no-top weights with `cifar-workbench models download vgg16` " +
        '(vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5, MD5 checked; taken from ~/.keras/models when Keras already downloaded it), ' +
        'or register such a file with `cifar-workbench models import FILE.h5`',
    )
  })

  const python = workbenchPython('VGG16 weights written by Keras itself')
  it.skipIf(!python)(
    "trains on weights Keras wrote, after our VGG16 matched Keras' forward pass within 1e-4",
    { timeout: 900_000 },
    async () => {
      const file = join(work, 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5')
      const input = join(work, 'x.f32')
      const output = join(work, 'y.f32')
      const n = 2
      const x = randomValues(n * 32 * 32 * 3, 21, 1)
      writeFileSync(input, x)
      runPython(python!, [resolve(__dirname, 'keras_vgg16.py'), file, input, String(n), output])
      const bytes = readFileSync(output)
      const theirs = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)

      const { model, family } = await loadKerasBase(file)
      expect(family).toBe('vgg16')
      const ours = tf.tidy(() => (model.predict(tf.tensor4d(x, [n, 32, 32, 3])) as tf.Tensor).dataSync() as Float32Array)
      model.dispose()
      expect(ours.length).toBe(theirs.length)
      let diff = 0
      let scale = 0
      for (let i = 0; i < ours.length; i++) {
        diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!))
        scale = Math.max(scale, Math.abs(theirs[i]!))
      }
      expect(scale).toBeGreaterThan(0)
      expect(diff).toBeLessThan(1e-4 * Math.max(1, scale))

      const imported = await cli(home, '--json', 'models', 'import', file)
      expect(imported.code, imported.stderr).toBe(0)
      const base = JSON.parse(imported.stdout) as BaseModelInfo
      expect(base).toMatchObject({ id: 'vgg16-keras', family: 'vgg16', preprocessing: 'caffe', defaultCutLayer: 'block5_pool' })

      const trained = await cli(
        home,
        '--json',
        'train',
        '--preset',
        'vgg16-transfer',
        '--epochs',
        '1',
        '--train-size',
        '20',
        '--seed',
        '1',
      )
      expect(trained.code, trained.stderr).toBe(0)
      const run = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as RunDetail
      expect(run.status).toBe('completed')
      expect(run.config.model).toMatchObject({
        kind: 'transfer',
        baseId: 'vgg16-keras',
        inputSize: 32,
        headPooling: 'flatten',
        headUnits: 256,
        headDropout: 0.5,
      })
      expect(run.config.training).toMatchObject({ optimizer: 'adam', learningRate: 1e-3 })
      const layers = run.modelSummary!.layers.map((l) => `${l.name}:${l.outputShape.join('x')}`)
      expect(layers).toContain('block5_pool:x1x1x512')
      expect(layers.slice(-4)).toEqual(['head_flatten:x512', 'head_dense:x256', 'head_dropout:x256', 'predictions:x10'])
      // Frozen base: only the head trains in phase 1.
      expect(run.modelSummary!.trainableParams).toBe(512 * 256 + 256 + 256 * 10 + 10)
    },
  )
})

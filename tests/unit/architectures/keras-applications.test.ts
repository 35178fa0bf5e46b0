import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { loadKerasBase } from '../../../src-main/engine/architectures/keras'
import { tempDir } from '../data/fixtures'
import { runPython, workbenchPython } from '../support/python'
import { randomValues } from './h5-fixtures'

const work = tempDir('cwb-keras-apps-')
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** 64 px keeps Keras' runs short and still reaches every stride (both need at least 32). */
const SIZE = 64
const N = 2

function readF32(file: string): Float32Array {
  const bytes = readFileSync(file)
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}

/** Largest |ours - theirs| over max(1, largest |theirs|): an absolute 1e-4 for outputs of order 1. */
function relativeError(ours: Float32Array, theirs: Float32Array): number {
  expect(ours.length).toBe(theirs.length)
  let diff = 0
  let scale = 0
  for (let i = 0; i < ours.length; i++) {
    diff = Math.max(diff, Math.abs(ours[i]! - theirs[i]!))
    scale = Math.max(scale, Math.abs(theirs[i]!))
  }
  expect(scale).toBeGreaterThan(0)
  return diff / Math.max(1, scale)
}

const python = workbenchPython('Keras Applications written by Keras and tf-keras themselves')

describe.skipIf(!python)('Keras ResNet50, EfficientNetB0 (and MobileNetV2 from Keras 3) against Keras', () => {
  // 0..255 pixels: ResNet50 gets them caffe-style, EfficientNetB0 rescales them itself.
  const x = randomValues(N * SIZE * SIZE * 3, 9, 1).map((v) => (v + 1) * 127.5)
  beforeAll(() => {
    writeFileSync(join(work, 'x.f32'), x)
    runPython(python!, [resolve(__dirname, 'keras_applications.py'), work, join(work, 'x.f32'), String(N), String(SIZE)])
  }, 600_000)

  const cases = [
    { family: 'resnet50', layout: 'keras3', file: 'resnet50-keras3.weights.h5' },
    { family: 'resnet50', layout: 'keras2', file: 'resnet50-keras2.h5' },
    { family: 'efficientnetb0', layout: 'keras3', file: 'efficientnetb0-keras3.weights.h5' },
    { family: 'efficientnetb0', layout: 'keras2', file: 'efficientnetb0-keras2.h5' },
    { family: 'mobilenetv2', layout: 'keras3', file: 'mobilenetv2-keras3.weights.h5' },
  ] as const
  for (const c of cases) {
    it(
      `${c.family} from a ${c.layout} file: recognised and loaded, equals Keras' output within 1e-4`,
      { timeout: 120_000 },
      async () => {
        const loaded = await loadKerasBase(join(work, c.file))
        try {
          expect(loaded.family).toBe(c.family)
          expect(loaded.layout).toBe(c.layout)
          const ours = tf.tidy(
            () => (loaded.model.predict(tf.tensor4d(x, [N, SIZE, SIZE, 3])) as tf.Tensor).dataSync() as Float32Array,
          )
          expect(relativeError(ours, readF32(join(work, `${c.family}-${c.layout}.f32`)))).toBeLessThan(1e-4)
        } finally {
          loaded.model.dispose()
        }
      },
    )
  }
})

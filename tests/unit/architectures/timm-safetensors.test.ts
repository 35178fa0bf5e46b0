import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { loadTimmBase, TIMM_ARCHS, type TimmArch } from '../../../src-main/engine/architectures/timm'
import { tempDir } from '../data/fixtures'
import { runPython, workbenchPython } from '../support/python'
import { randomValues } from './h5-fixtures'

const work = tempDir('cwb-timm-')
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** Small inputs keep the reference runs short; 64 px still reaches every stride of all four. */
const SIZE = 64
const N = 2

function readF32(file: string): Float32Array {
  const bytes = readFileSync(file)
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength))
}

/** Our forward pass, pooled as timm pools its features (global average over H×W). */
function ourFeatures(model: tf.LayersModel, x: Float32Array): Float32Array {
  return tf.tidy(() => {
    const y = model.predict(tf.tensor4d(x, [N, SIZE, SIZE, 3])) as tf.Tensor4D
    return tf.mean(y, [1, 2]).dataSync() as Float32Array
  })
}

const python = workbenchPython("timm's models written by timm itself")

describe.skipIf(!python)("timm's architectures against timm", () => {
  const x = randomValues(N * SIZE * SIZE * 3, 5, 2)
  const input = join(work, 'x.f32')
  writeFileSync(input, x)

  const jobs = [...TIMM_ARCHS, 'resnet18:module.', 'mobilenetv3_large_100::half']
  beforeAll(() => {
    runPython(python!, [resolve(__dirname, 'timm_reference.py'), work, input, String(N), String(SIZE), ...jobs])
  }, 600_000)
  /** The state_dict timm wrote for ARCH, and timm's output on `x`. */
  const reference = (arch: TimmArch, variant: '' | 'prefixed' | 'half' = '') => {
    const stem = join(work, `${arch}${variant ? `-${variant}` : ''}`)
    return { file: `${stem}.safetensors`, theirs: readF32(`${stem}.f32`) }
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

  for (const arch of TIMM_ARCHS) {
    it(
      `${arch}: recognised from its tensor names, our forward pass equals timm's within 1e-4`,
      { timeout: 120_000 },
      async () => {
        const { file, theirs } = reference(arch)
        const { model, arch: found } = await loadTimmBase(file)
        try {
          expect(found).toBe(arch)
          expect(relativeError(ourFeatures(model, x), theirs)).toBeLessThan(1e-4)
        } finally {
          model.dispose()
        }
      },
    )
  }

  it('reads a state_dict saved from a DataParallel wrapper (names prefixed "module.")', { timeout: 120_000 }, async () => {
    const { file, theirs } = reference('resnet18', 'prefixed')
    const { model, arch } = await loadTimmBase(file)
    try {
      expect(arch).toBe('resnet18')
      expect(relativeError(ourFeatures(model, x), theirs)).toBeLessThan(1e-4)
    } finally {
      model.dispose()
    }
  })

  it(
    'reads a state_dict saved in float16 (model.half()), matching timm on the same rounded weights',
    { timeout: 120_000 },
    async () => {
      const { file, theirs } = reference('mobilenetv3_large_100', 'half')
      const { model, arch } = await loadTimmBase(file)
      try {
        expect(arch).toBe('mobilenetv3_large_100')
        expect(relativeError(ourFeatures(model, x), theirs)).toBeLessThan(1e-4)
      } finally {
        model.dispose()
      }
    },
  )
})

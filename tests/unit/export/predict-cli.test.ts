import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { createCanvas } from '@napi-rs/canvas'
import jpeg from 'jpeg-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ExportModelResult, PredictResult } from '@shared/contract/inference-methods'
import type { RunDetail } from '@shared/domain/run'
import * as tf from '../../../src-main/engine/tf'
import { loadTfjsFolder } from '../../../src-main/engine/architectures'
import { preprocessPixels } from '../../../src-main/data/preprocess'
import { decodeImage, resizeBilinear } from '../../../src-main/data/sources/decode-image'
import { CLASS_NAMES, pngOf, tempDir } from '../data/fixtures'
import { runCli as cli, trainedSeedCnnRun } from '../support/cli'

let work: string
let home: string
let run: RunDetail

/** A 64x48 picture (not the dataset's size, so prediction has to resize it). */
function paint(c: number, r: number): [number, number, number] {
  return [(c * 4) % 256, (r * 5) % 256, ((c + r) * 3) % 256]
}

beforeAll(async () => {
  work = tempDir('cwb-predict-')
  home = join(work, 'home')
  run = await trainedSeedCnnRun(home, work)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('cifar-workbench predict', () => {
  it('gives the top-5 classes of PNG, JPEG and WebP images of any size, as the model computes them, and reports a broken file without stopping the others', async () => {
    const images = join(work, 'images')
    mkdirSync(images, { recursive: true })
    const png = pngOf(48, paint)
    writeFileSync(join(images, 'square.png'), png)
    const wide = { width: 64, height: 48, data: Buffer.alloc(64 * 48 * 4) }
    for (let r = 0; r < 48; r++) for (let c = 0; c < 64; c++) wide.data.set([...paint(c, r), 255], (r * 64 + c) * 4)
    const jpg = jpeg.encode(wide, 95).data
    writeFileSync(join(images, 'wide.jpg'), jpg)
    const canvas = createCanvas(40, 30)
    const ctx = canvas.getContext('2d')
    ctx.fillStyle = '#2a7fd0'
    ctx.fillRect(0, 0, 40, 30)
    writeFileSync(join(images, 'photo.webp'), await canvas.encode('webp', 90))
    writeFileSync(join(images, 'notes.txt'), 'not an image at all')
    writeFileSync(join(images, 'cut.jpg'), jpg.subarray(0, Math.floor(jpg.length / 2)))

    const files = ['square.png', 'wide.jpg', 'photo.webp', 'notes.txt', 'cut.jpg', 'missing.png'].map((f) => join(images, f))
    const r = await cli(home, 'predict', run.id, ...files, '--json')
    expect(r.code, r.stderr).toBe(1)
    const result = JSON.parse(r.stdout) as PredictResult
    expect(result.runId).toBe(run.id)
    expect(result.preparation).toBe('resized to 32x32 (bilinear), scaled "unit"')
    const [square, wideJpg, webp, notes, cut, missing] = result.predictions
    for (const p of [square, wideJpg, webp]) {
      expect(p?.ok).toBe(true)
      if (!p?.ok) continue
      expect(p.top).toHaveLength(5)
      expect(p.top.every((t, i) => i === 0 || t.probability <= p.top[i - 1]!.probability)).toBe(true)
      expect(p.top.every((t) => CLASS_NAMES[t.classIndex] === t.className)).toBe(true)
    }
    expect(wideJpg).toMatchObject({ width: 64, height: 48 })
    expect(webp).toMatchObject({ width: 40, height: 30 })
    expect(notes).toEqual({ name: 'notes.txt', ok: false, error: 'not a JPEG, PNG or WebP image' })
    expect(cut).toMatchObject({ name: 'cut.jpg', ok: false, error: expect.stringMatching(/^broken image/) as string })
    expect(missing).toEqual({ name: 'missing.png', ok: false, error: 'file not found' })

    // The same probabilities as the saved model gives on the image prepared the dataset's way.
    const model = await loadTfjsFolder(join(home, run.artifacts.find((a) => a.kind === 'model')!.path))
    const pixels = new Uint8Array(32 * 32 * 3)
    resizeBilinear(decodeImage(png), 32, pixels, 0)
    const expected = tf.tidy(
      () => (model.predict(tf.tensor4d(preprocessPixels(pixels, 'unit'), [1, 32, 32, 3])) as tf.Tensor).arraySync() as number[][],
    )[0]!
    model.dispose()
    if (!square?.ok) throw new Error('square.png failed')
    for (const t of square.top) expect(t.probability).toBeCloseTo(expected[t.classIndex]!, 5)

    const text = await cli(home, 'predict', run.id, join(images, 'square.png'), join(images, 'notes.txt'))
    expect(text.code).toBe(1)
    expect(text.stdout).toContain(`${join(images, 'notes.txt')}: error: not a JPEG, PNG or WebP image`)
    expect(text.stdout).toMatch(new RegExp(`${join(images, 'square.png')} \\(48x48\\)\\n +\\d+\\.\\d%  \\w+`))
  })

  it('refuses a run without a model and bad arguments with one-line errors', async () => {
    const none = await cli(home, 'predict', 'nope', join(work, 'x.png'))
    expect(none.code).toBe(1)
    expect(none.stderr.trim()).toMatch(/^error: run nope not found/)
    const noImages = await cli(home, 'predict', run.id)
    expect(noImages.code).toBe(2)
    expect(noImages.stderr.trim()).toBe('error: predict: give one or more image files after the run id')
  })
})

describe('cifar-workbench runs export-model', () => {
  it('exports the run as tfjs, keras and onnx folders that say how to feed the model', async () => {
    for (const format of ['tfjs', 'keras', 'onnx'] as const) {
      const out = join(work, `export-${format}`)
      const r = await cli(home, 'runs', 'export-model', run.id, '--format', format, '--out', out, '--json')
      expect(r.code, r.stderr).toBe(0)
      const result = JSON.parse(r.stdout) as ExportModelResult
      const main = { tfjs: ['model.json', 'weights.bin'], keras: ['model.keras', 'model.weights.h5'], onnx: ['model.onnx'] }[
        format
      ]
      expect(result.files.map((f) => f.name)).toEqual([...main, 'README.txt', 'export.json'])
      for (const f of result.files) expect(readFileSync(join(out, f.name)).byteLength).toBe(f.sizeBytes)
      const meta = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8')) as {
        input: { shape: unknown[] }
        preprocessing: { mode: string }
        classNames: string[]
      }
      expect(meta.input.shape).toEqual([null, 32, 32, 3])
      expect(meta.preprocessing.mode).toBe('unit')
      expect(meta.classNames).toEqual(CLASS_NAMES)
      expect(readFileSync(join(out, 'README.txt'), 'utf8')).toContain('every value x (0..255) becomes x / 255')
    }
    // An export over a previous export replaces it; over a folder with other files it refuses.
    const again = await cli(home, 'runs', 'export-model', run.id, '--format', 'onnx', '--out', join(work, 'export-keras'))
    expect(again.code, again.stderr).toBe(0)
    expect(existsSync(join(work, 'export-keras', 'model.keras'))).toBe(false)
    const foreign = await cli(home, 'runs', 'export-model', run.id, '--format', 'onnx', '--out', join(work, 'images'))
    expect(foreign.code).toBe(1)
    expect(foreign.stderr.trim()).toMatch(/^error: .*images is a folder with other files in it/)
    expect(existsSync(join(work, 'images', 'square.png'))).toBe(true)
    const badFormat = await cli(home, 'runs', 'export-model', run.id, '--format', 'pt', '--out', join(work, 'x'))
    expect(badFormat.code).toBe(2)
    expect(badFormat.stderr.trim()).toBe('error: runs export-model: --format must be one of tfjs, keras, onnx (got "pt")')
  })
})

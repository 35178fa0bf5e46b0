import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunDetail } from '@shared/domain/run'
import * as tf from '../../../src-main/engine/tf'
import { loadTfjsFolder } from '../../../src-main/engine/architectures'
import { gradCam } from '../../../src-main/engine/evaluation/grad-cam'
import { preprocessPixels } from '../../../src-main/data/preprocess'
import { decodeImage } from '../../../src-main/data/sources/decode-image'
import { CLASS_NAMES, pngOf, tempDir } from '../data/fixtures'
import { runCli as cli, trainedSeedCnnRun } from '../support/cli'

let work: string
let home: string
let run: RunDetail

interface ExplainJson {
  predicted: { classIndex: number; className: string; probability: number }
  explained: { classIndex: number; className: string; probability: number }
  layer: string
  availableLayers: string[]
  width: number
  height: number
  values: number[]
  trueClass: string | null
  out: string | null
}

beforeAll(async () => {
  work = tempDir('cwb-explain-')
  home = join(work, 'home')
  run = await trainedSeedCnnRun(home, work)
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('cifar-workbench runs explain', () => {
  it('gives the Grad-CAM of an image file as the engine computes it on the saved model, and draws it over the image with a colour scale', async () => {
    const png = pngOf(32, (r, c) => [(c * 8) % 256, (r * 8) % 256, ((r + c) * 4) % 256])
    const file = join(work, 'picture.png')
    writeFileSync(file, png)
    const out = join(work, 'heat.png')
    const r = await cli(home, 'runs', 'explain', run.id, '--image', file, '--class', 'cat', '--out', out, '--json')
    expect(r.code, r.stderr).toBe(0)
    const result = JSON.parse(r.stdout) as ExplainJson
    expect(result.explained.className).toBe('cat')
    expect(result.explained.classIndex).toBe(3)
    expect(result.trueClass).toBeNull()
    expect(result.availableLayers).toContain(result.layer)
    expect(result.layer).toMatch(/conv/)
    expect([result.width, result.height]).toEqual([32, 32])
    expect(result.values).toHaveLength(32 * 32)

    const model = await loadTfjsFolder(join(home, run.artifacts.find((a) => a.kind === 'model')!.path))
    const image = tf.tensor3d(preprocessPixels(decodeImage(png).data, 'unit'), [32, 32, 3])
    const expected = gradCam(model, image, { classIndex: 3 })
    image.dispose()
    model.dispose()
    expect(result.layer).toBe(expected.layer)
    expect(result.predicted.classIndex).toBe(expected.predicted)
    result.values.forEach((v, i) => expect(v).toBeCloseTo(expected.values[i]!, 4))

    const drawn = PNG.sync.read(readFileSync(out))
    expect([drawn.width, drawn.height]).toEqual([256 + 6 + 16, 256])
    // The colour scale: red (jet at 1) at the top, blue (jet at 0) at the bottom.
    const pixel = (x: number, y: number) =>
      Array.from(drawn.data.subarray((y * drawn.width + x) * 4, (y * drawn.width + x) * 4 + 3))
    expect(pixel(drawn.width - 1, 0)).toEqual([128, 0, 0])
    expect(pixel(drawn.width - 1, 255)).toEqual([0, 0, 128])
  })

  it('explains a test image by index, for its predicted class, with its true label', async () => {
    const out = join(work, 'test0.png')
    const r = await cli(home, 'runs', 'explain', run.id, '--image', '0', '--out', out)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(
      /predicted \w+ \(\d+\.\d%\), true class \w+; Grad-CAM of \w+ .* at layer \w+ \(\d+x\d+\) written to /,
    )
    const json = await cli(home, 'runs', 'explain', run.id, '--image', '0', '--json')
    const result = JSON.parse(json.stdout) as ExplainJson
    expect(result.explained).toEqual(result.predicted)
    expect(CLASS_NAMES).toContain(result.trueClass)
    expect(result.out).toBeNull()
  })

  it('refuses an unknown layer naming the ones there are, an unknown class, a missing image and missing arguments', async () => {
    const layer = await cli(home, 'runs', 'explain', run.id, '--image', '0', '--layer', 'fc1', '--json')
    expect(layer.code).toBe(1)
    expect(layer.stderr.trim()).toMatch(
      /^error: layer "fc1" is not a spatial feature map of the model; available: block1_conv1, /,
    )
    const cls = await cli(home, 'runs', 'explain', run.id, '--image', '0', '--class', 'unicorn', '--json')
    expect(cls.code).toBe(1)
    expect(cls.stderr.trim()).toBe(`error: class "unicorn" is not a class of run ${run.id} (${CLASS_NAMES.join(', ')})`)
    const index = await cli(home, 'runs', 'explain', run.id, '--image', '999999', '--json')
    expect(index.code).toBe(1)
    expect(index.stderr.trim()).toMatch(/^error: test image 999999 does not exist: the dataset's test split has \d+ images/)
    const missing = await cli(home, 'runs', 'explain', run.id, '--image', join(work, 'none.png'), '--json')
    expect(missing.code).toBe(1)
    expect(missing.stderr.trim()).toMatch(/none\.png: file not found$/)
    const noImage = await cli(home, 'runs', 'explain', run.id, '--out', join(work, 'x.png'))
    expect(noImage.code).toBe(2)
    expect(noImage.stderr.trim()).toBe('error: runs explain: give --image N (a test image index) or --image PATH (an image file)')
  })
})

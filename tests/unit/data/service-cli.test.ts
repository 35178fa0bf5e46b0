import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { AugmentationConfig } from '@shared/domain/config'
import type { DatasetInfo } from '@shared/domain/dataset'
import { createCore } from '../../../src-main/core/compose'
import type { Core } from '../../../src-main/core/core'
import { EventBus } from '../../../src-main/core/event-bus'
import { DatasetService } from '../../../src-main/data/dataset-service'
import { openStore } from '../../../src-main/store'
import { CLASS_NAMES, expectedNhwc, tempDir, writeCifarBinary, writeCifarPython } from './fixtures'
import { runCli as cli } from '../support/cli'

const N = 6

function decodeDataUrl(url: string): Uint8Array {
  expect(url.startsWith('data:image/png;base64,')).toBe(true)
  const png = PNG.sync.read(Buffer.from(url.slice('data:image/png;base64,'.length), 'base64'))
  const rgb = new Uint8Array(png.width * png.height * 3)
  for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) rgb.set(png.data.subarray(i, i + 3), j)
  return rgb
}

let work: string
let home: string
let info: DatasetInfo

beforeAll(async () => {
  work = tempDir()
  home = join(work, 'home')
  const dir = writeCifarBinary(work, N)
  const r = await cli(home, 'dataset', 'import', dir, '--name', 'tiny', '--json')
  expect(r.code).toBe(0)
  info = JSON.parse(r.stdout) as DatasetInfo
})

describe('cifar-workbench dataset', () => {
  it('lists datasets as JSON with class names and counts per split and class', async () => {
    const r = await cli(home, 'dataset', 'list', '--json')
    expect(r.code).toBe(0)
    const list = JSON.parse(r.stdout) as DatasetInfo[]
    expect(list).toHaveLength(1)
    expect(list[0]).toMatchObject({ id: info.id, name: 'tiny', classNames: CLASS_NAMES, totals: { train: 5 * N, test: N } })
    expect(list[0]!.counts.train.reduce((a, b) => a + b, 0)).toBe(5 * N)
    expect(list[0]!.counts.test).toHaveLength(10)
  })

  it('shows one dataset as text and refuses bad input with a one-line error', async () => {
    const show = await cli(home, 'dataset', 'show', info.id)
    expect(show.code).toBe(0)
    expect(show.stdout).toContain('automobile')
    const missing = await cli(home, 'dataset', 'show', 'nope')
    expect(missing.code).toBe(1)
    expect(missing.stderr.trim()).toBe('error: dataset nope not found')
    const bad = await cli(home, 'dataset', 'import', join(work, 'does-not-exist'))
    expect(bad.code).toBe(1)
    expect(bad.stderr.trim()).toMatch(/^error: .*does-not-exist: no such file or folder$/)
    const size = await cli(home, 'dataset', 'import', join(work, 'x'), '--image-size', 'big')
    expect(size.code).toBe(2)
    expect(size.stderr.trim()).toBe('error: dataset import: --image-size must be a number (got "big")')
  })

  it('importing the same archive again succeeds and prints the dataset it already is', async () => {
    const again = await cli(home, 'dataset', 'import', join(work, 'cifar-10-batches-bin'), '--json')
    expect(again.code).toBe(0)
    expect(JSON.parse(again.stdout)).toEqual(info)
    const text = await cli(home, 'dataset', 'import', join(work, 'cifar-10-batches-bin'))
    expect(text.code).toBe(0)
    expect(text.stdout.trim()).toBe(`already imported: ${info.id} (tiny): 10 classes, train ${5 * N}, test ${N}`)
    expect(JSON.parse((await cli(home, 'dataset', 'list', '--json')).stdout)).toHaveLength(1)
    expect(readdirSync(join(home, 'datasets')).filter((n) => !n.startsWith('.'))).toEqual([info.id])
  })

  it('deletes a dataset with its cache', async () => {
    const other = join(work, 'home2')
    const imported = JSON.parse(
      (await cli(other, 'dataset', 'import', join(work, 'cifar-10-batches-bin'), '--json')).stdout,
    ) as DatasetInfo
    expect(existsSync(join(other, 'datasets', imported.id))).toBe(true)
    const r = await cli(other, 'dataset', 'delete', imported.id)
    expect(r.code).toBe(0)
    expect(existsSync(join(other, 'datasets', imported.id))).toBe(false)
    expect(JSON.parse((await cli(other, 'dataset', 'list', '--json')).stdout)).toEqual([])
  })
})

describe('datasets.* through the core', () => {
  let core: Core
  beforeAll(async () => {
    core = await createCore({ dataDir: home, shell: 'cli' })
  })
  afterAll(() => core.close())

  it('previews samples per class and an augmentation grid as PNG data URLs', async () => {
    const preview = await core.call('datasets.preview', {
      id: info.id,
      split: 'test',
      perClass: 1,
      augmentation: AugmentationConfig.parse({ enabled: true, horizontalFlip: true, rotationRange: 20 }),
      augmentCount: 4,
    })
    const test = expectedNhwc(0, N)
    // N test records with labels 0..5: one sample for each class present
    expect(preview.samples.map((s) => s.label)).toEqual([0, 1, 2, 3, 4, 5])
    for (const s of preview.samples) {
      expect(s.className).toBe(CLASS_NAMES[s.label])
      expect(Buffer.from(decodeDataUrl(s.dataUrl)).equals(Buffer.from(test.subarray(s.index * 3072, (s.index + 1) * 3072)))).toBe(
        true,
      )
    }
    expect(preview.augmented?.variants).toHaveLength(4)
    const original = decodeDataUrl(preview.augmented!.original.dataUrl)
    const variants = preview.augmented!.variants.map(decodeDataUrl)
    expect(variants.some((v) => !Buffer.from(v).equals(Buffer.from(original)))).toBe(true)
  })

  it('returns images by index and refuses an index out of range', async () => {
    const images = await core.call('datasets.images', { id: info.id, split: 'train', indices: [7, 0] })
    expect(images.map((i) => i.index)).toEqual([7, 0])
    // train record 7 is batch 2, record 1
    expect(Buffer.from(decodeDataUrl(images[0]!.dataUrl)).equals(Buffer.from(expectedNhwc(2, 2).subarray(3072)))).toBe(true)
    await expect(core.call('datasets.images', { id: info.id, split: 'test', indices: [N] })).rejects.toMatchObject({
      code: 'invalid_input',
    })
  })

  it('reports job.progress for an import and refuses to cancel an unknown job', async () => {
    const seen: string[] = []
    const off = core.events.subscribe((e) => {
      if (e.event === 'job.progress' && e.payload.jobId === 'job-py') seen.push(e.payload.stage)
    })
    const dir = writeCifarPython(join(work, 'py'), N)
    await core.call('datasets.import', { path: dir, jobId: 'job-py' })
    off()
    expect(seen).toContain('read')
    expect(seen.at(-1)).toBe('write')
    await expect(core.call('datasets.cancel', { jobId: 'nope' })).rejects.toMatchObject({ code: 'not_found' })
  })
})

describe('cancelling an import through the service', () => {
  it('stops a running import at its next step and leaves nothing behind', async () => {
    const dataDir = join(work, 'cancel')
    const store = openStore(join(work, 'c.sqlite'), { dataDir })
    const events = new EventBus()
    const service = new DatasetService({ dataDir, registry: store.registry, events })
    events.subscribe((e) => {
      if (e.event === 'job.progress' && e.payload.jobId === 'job-c' && e.payload.stage === 'read') service.cancel('job-c')
    })
    try {
      const dir = writeCifarBinary(join(work, 'c'), N)
      await expect(
        service.import({ path: dir, jobId: 'job-c', imageSize: 32, testRatio: 0.2, splitSeed: 42 }),
      ).rejects.toMatchObject({ code: 'cancelled' })
      expect(store.registry.listDatasets()).toEqual([])
      expect(existsSync(join(dataDir, 'datasets')) ? readdirSync(join(dataDir, 'datasets')) : []).toEqual([])
      // the cancelled job is finished: a later import runs normally
      await expect(
        service.import({ path: dir, jobId: 'job-c2', imageSize: 32, testRatio: 0.2, splitSeed: 42 }),
      ).resolves.toMatchObject({ totals: { train: 5 * N } })
    } finally {
      store.close()
    }
  })
})

describe('datasets.findKerasCache', () => {
  it('finds cifar-10-batches-py in the Keras datasets folder, or reports none', async () => {
    const kerasDir = join(work, 'keras', 'datasets')
    writeCifarPython(kerasDir, 2)
    const store = openStore(join(work, 'k.sqlite'))
    try {
      const make = (dirs: string[]) =>
        new DatasetService({ dataDir: join(work, 'k'), registry: store.registry, events: new EventBus(), kerasDirs: dirs })
      expect(await make([join(work, 'empty'), kerasDir]).findKerasCache()).toBe(join(kerasDir, 'cifar-10-batches-py'))
      expect(await make([join(work, 'empty')]).findKerasCache()).toBeNull()
    } finally {
      store.close()
    }
  })
})

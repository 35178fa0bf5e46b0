import { join } from 'node:path'
import jpeg from 'jpeg-js'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { DatasetInfo } from '@shared/domain/dataset'
import { loadDatasetFromCache, type LoadedDataset } from '../../../src-main/data/cache'
import { importDataset } from '../../../src-main/data/importer'
import { makeSplits } from '../../../src-main/data/splits'
import { openArchiveEntry } from './real-archive'
import { openStore, type Store } from '../../../src-main/store'
import { CLASS_NAMES, tempDir } from './fixtures'
import { missingShared, sharedPath } from '../../support/shared-data'

const archive = sharedPath('data/cifar10-jpg.tar.gz')
const present = missingShared('the real CIFAR-10 import', 'data/cifar10-jpg.tar.gz') === null

// The one full import of the 60,000 real images in the suite (the slow part of the data tests).
describe.skipIf(!present)('the real cifar10-jpg.tar.gz', () => {
  let dataDir: string
  let store: Store
  let info: DatasetInfo
  let loaded: LoadedDataset

  beforeAll(async () => {
    dataDir = tempDir()
    store = openStore(join(dataDir, 'wb.sqlite'), { dataDir })
    info = await importDataset(dataDir, store.registry, archive, { imageSize: 32, testRatio: 0.2, splitSeed: 42 })
    loaded = await loadDatasetFromCache(dataDir, store.registry.getDataset(info.id)!)
  }, 180_000)
  afterAll(() => store?.close())

  it('has 50,000/10,000 images, 5,000/1,000 per class, classes in CIFAR-10 order', () => {
    expect(info.source.kind).toBe('image-folder')
    expect(info.source.sha256).toBe('a161a274d65ac110604951ee0035c6496ca6e62f3fc83265fd5c99abfc8c5acb')
    expect(info.classNames).toEqual(CLASS_NAMES)
    expect(info.totals).toEqual({ train: 50_000, test: 10_000 })
    expect(info.counts.train).toEqual(new Array(10).fill(5000))
    expect(info.counts.test).toEqual(new Array(10).fill(1000))
    expect(info.imageSize).toEqual({ height: 32, width: 32, channels: 3 })
    expect(loaded.train.images.length).toBe(50_000 * 3072)
    expect(info.sizeBytes).toBe(60_000 * 3073)
  })

  it('stores each file at its place: test/cat/0000.jpg is test image 3000', async () => {
    const bytes = await openArchiveEntry(archive, 'cifar10-jpg/test/cat/0000.jpg')
    const decoded = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: false })
    expect(loaded.test.labels[3000]).toBe(3)
    expect(Buffer.from(loaded.test.images.subarray(3000 * 3072, 3001 * 3072)).equals(Buffer.from(decoded.data))).toBe(true)
  })

  it('splits 10% validation stratified: 500 per class', () => {
    const s = makeSplits(
      loaded.train.labels,
      loaded.test.labels,
      { validationSplit: 0.1, trainSubset: 5000, testSubset: null, splitSeed: 42 },
      10,
    )
    const perClass = new Array(10).fill(0)
    for (const i of s.validation) perClass[loaded.train.labels[i]!]++
    expect(perClass).toEqual(new Array(10).fill(500))
    expect(s.train.length).toBe(5000)
    expect(s.test.length).toBe(10_000)
  })
})

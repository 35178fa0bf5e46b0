import { existsSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { ContractError } from '@shared/contract'
import { loadDatasetFromCache, readManifest } from '../../../src-main/data/cache'
import { importDataset, type ImportOptions } from '../../../src-main/data/importer'
import { openStore, type Store } from '../../../src-main/store'
import {
  binaryBatch,
  CLASS_NAMES,
  expectedNhwc,
  labelOf,
  pngOf,
  pythonBatch,
  pythonBatchPy3,
  tarOf,
  tempDir,
  writeCifarBinary,
  writeCifarPython,
  writeFiles,
  zipOf,
} from './fixtures'

const N = 6 // records per batch: small, but every record, plane and label position is checked
const defaults: ImportOptions = { imageSize: 32, testRatio: 0.2, splitSeed: 42 }

let work: string
let dataDir: string
let store: Store

beforeEach(() => {
  work = tempDir()
  dataDir = join(work, 'data')
  store = openStore(join(work, 'wb.sqlite'), { dataDir })
})
afterEach(() => store.close())

function expectedLabels(bases: number[], n: number): number[] {
  return bases.flatMap((b) => Array.from({ length: n }, (_, i) => labelOf(b, i)))
}

/** Imports must fail with a message naming the file and problem, and leave nothing behind. */
async function expectRefused(path: string, message: RegExp, opts: Partial<ImportOptions> = {}): Promise<void> {
  const error = await importDataset(dataDir, store.registry, path, { ...defaults, ...opts }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(ContractError)
  expect((error as ContractError).message).toMatch(message)
  expect(store.registry.listDatasets()).toEqual([])
  const root = join(dataDir, 'datasets')
  expect(existsSync(root) ? readdirSync(root) : []).toEqual([])
}

describe('CIFAR-10 binary', () => {
  it('converts planar records to NHWC exactly, from a .tar.gz, and caches + registers it', async () => {
    writeCifarBinary(work, N)
    const archive = await tarOf(work, 'cifar-10-batches-bin', join(work, 'cifar-10-binary.tar.gz'), true)
    const info = await importDataset(dataDir, store.registry, archive, defaults)
    expect(info.source.kind).toBe('cifar10-binary')
    expect(info.classNames).toEqual(CLASS_NAMES)
    expect(info.totals).toEqual({ train: 5 * N, test: N })
    expect(info.source.sha256).toMatch(/^[0-9a-f]{64}$/)
    expect(store.registry.getDataset(info.id)).toEqual(info)

    const loaded = await loadDatasetFromCache(dataDir, info)
    const train = Buffer.concat([1, 2, 3, 4, 5].map((b) => Buffer.from(expectedNhwc(b, N))))
    expect(Buffer.from(loaded.train.images).equals(train)).toBe(true)
    expect(Buffer.from(loaded.test.images).equals(Buffer.from(expectedNhwc(0, N)))).toBe(true)
    expect([...loaded.train.labels]).toEqual(expectedLabels([1, 2, 3, 4, 5], N))
    expect([...loaded.test.labels]).toEqual(expectedLabels([0], N))
    const counts = new Array(10).fill(0)
    for (const l of loaded.train.labels) counts[l]++
    expect(info.counts.train).toEqual(counts)
    const manifest = await readManifest(join(dataDir, 'datasets', info.id))
    expect(manifest.info).toEqual(info)
  })

  it('imports the extracted folder too; a second import of the same source returns that dataset and writes nothing', async () => {
    const dir = writeCifarBinary(work, N)
    const info = await importDataset(dataDir, store.registry, dir, { ...defaults, name: 'mine' })
    expect(info.name).toBe('mine')
    expect(info.totals.train).toBe(5 * N)
    const before = readdirSync(join(dataDir, 'datasets')).sort()
    const stages: string[] = []
    const again = await importDataset(dataDir, store.registry, dir, {
      ...defaults,
      name: 'other',
      onProgress: (stage, _d, _t, message) => stages.push(`${stage}: ${message}`),
    })
    expect(again).toEqual(info)
    expect(stages).not.toContain('decode: checking the format')
    expect(stages.at(-1)).toBe(`write: already imported as "mine" (${info.id})`)
    expect(store.registry.listDatasets()).toHaveLength(1)
    expect(readdirSync(join(dataDir, 'datasets')).sort()).toEqual(before)
  })

  it('refuses a truncated record, naming the file', async () => {
    const dir = writeCifarBinary(work, N, (name, b) => (name === 'data_batch_3.bin' ? b.subarray(0, b.length - 100) : b))
    await expectRefused(dir, /data_batch_3\.bin: .*not a whole number of 3073-byte records.*truncated or oversized/)
  })

  it('refuses an oversized record', async () => {
    const dir = writeCifarBinary(work, N, (name, b) => (name === 'test_batch.bin' ? Buffer.concat([b, Buffer.alloc(5)]) : b))
    await expectRefused(dir, /test_batch\.bin: .*record 6 is 5 bytes/)
  })

  it('refuses a missing batch', async () => {
    const dir = writeCifarBinary(work, N, (name, b) => (name === 'data_batch_4.bin' ? null : b))
    await expectRefused(dir, /missing CIFAR-10 batch data_batch_4\.bin/)
  })

  it('refuses a label out of range', async () => {
    const dir = writeCifarBinary(work, N, (name, b) =>
      name === 'data_batch_2.bin' ? binaryBatch(2, N, (_, i) => (i === 4 ? 12 : 1)) : b,
    )
    await expectRefused(dir, /data_batch_2\.bin: record 4 has label 12, outside 0\.\.9/)
  })

  it('refuses corrupt gzip and a truncated tar', async () => {
    writeCifarBinary(work, N)
    const archive = await tarOf(work, 'cifar-10-batches-bin', join(work, 'good.tar.gz'), true)
    const bytes = readFileSync(archive)
    const corrupt = Buffer.from(bytes)
    corrupt.fill(0x55, 200, 260)
    writeFileSync(join(work, 'corrupt.tar.gz'), corrupt)
    await expectRefused(join(work, 'corrupt.tar.gz'), /corrupt\.tar\.gz: corrupt gzip data/)
    writeFileSync(join(work, 'cut.tar.gz'), bytes.subarray(0, bytes.length >> 1))
    await expectRefused(join(work, 'cut.tar.gz'), /cut\.tar\.gz: corrupt gzip data/)
    const tar = await tarOf(work, 'cifar-10-batches-bin', join(work, 'plain.tar'), false)
    // Cut inside an entry on a block boundary: the gzip layer is fine, the tar is not.
    writeFileSync(join(work, 'cut.tar.gz'), gzipSync(readFileSync(tar).subarray(0, 512 * 40)))
    await expectRefused(join(work, 'cut.tar.gz'), /cut\.tar\.gz: (corrupt|truncated) tar archive/)
    writeFileSync(join(work, 'odd.tar'), readFileSync(tar).subarray(0, 512 * 40 + 17))
    await expectRefused(join(work, 'odd.tar'), /odd\.tar: truncated tar archive/)
    // A file whose name promises an archive but holds something else (a saved error page, say).
    writeFileSync(join(work, 'page.tar.gz'), '<html>not found</html>\n'.repeat(40))
    await expectRefused(join(work, 'page.tar.gz'), /page\.tar\.gz: not gzip data/)
    writeFileSync(join(work, 'page.zip'), '<html>not found</html>\n'.repeat(40))
    await expectRefused(join(work, 'page.zip'), /page\.zip: not a zip archive/)
  })

  it('cancels cleanly', async () => {
    const dir = writeCifarBinary(work, N)
    const controller = new AbortController()
    controller.abort()
    await expect(importDataset(dataDir, store.registry, dir, { ...defaults, signal: controller.signal })).rejects.toMatchObject({
      code: 'cancelled',
    })
    expect(store.registry.listDatasets()).toEqual([])
  })
})

describe('CIFAR-10 python', () => {
  it('reads the pickled batches exactly (folder as Keras caches it, and .tar.gz)', async () => {
    const dir = writeCifarPython(work, N)
    const info = await importDataset(dataDir, store.registry, dir, defaults)
    expect(info.source.kind).toBe('cifar10-python')
    expect(info.classNames).toEqual(CLASS_NAMES)
    const loaded = await loadDatasetFromCache(dataDir, info)
    const train = Buffer.concat([1, 2, 3, 4, 5].map((b) => Buffer.from(expectedNhwc(b, N))))
    expect(Buffer.from(loaded.train.images).equals(train)).toBe(true)
    expect(Buffer.from(loaded.test.images).equals(Buffer.from(expectedNhwc(0, N)))).toBe(true)
    expect([...loaded.train.labels]).toEqual(expectedLabels([1, 2, 3, 4, 5], N))

    const archive = await tarOf(work, 'cifar-10-batches-py', join(work, 'cifar-10-python.tar.gz'), true)
    const other = join(work, 'other')
    const store2 = openStore(join(work, 'wb2.sqlite'), { dataDir: other })
    try {
      const fromTar = await importDataset(other, store2.registry, archive, defaults)
      const again = await loadDatasetFromCache(other, fromTar)
      expect(Buffer.from(again.train.images).equals(train)).toBe(true)
    } finally {
      store2.close()
    }
  })

  it('reads batches pickled by Python 3 / numpy 2 under protocol 2 too', async () => {
    const dir = writeCifarPython(work, N, (name, b) =>
      name.startsWith('data_batch') || name === 'test_batch' ? pythonBatchPy3(Number(name.slice(-1)) || 0, N) : b,
    )
    const loaded = await loadDatasetFromCache(dataDir, await importDataset(dataDir, store.registry, dir, defaults))
    const train = Buffer.concat([1, 2, 3, 4, 5].map((b) => Buffer.from(expectedNhwc(b, N))))
    expect(Buffer.from(loaded.train.images).equals(train)).toBe(true)
    expect([...loaded.test.labels]).toEqual(expectedLabels([0], N))
  })

  it('refuses a label out of range, a wrong data size and a foreign pickle', async () => {
    let dir = writeCifarPython(work, N, (name, b) =>
      name === 'data_batch_1' ? pythonBatch(1, N, { label: (_, i) => (i === 2 ? 10 : 0) }) : b,
    )
    await expectRefused(dir, /data_batch_1: label 10 at index 2 is outside 0\.\.9/)
    const w2 = tempDir()
    dir = writeCifarPython(w2, N, (name, b) => (name === 'test_batch' ? pythonBatch(0, N, { dataBytes: N * 3072 - 10 }) : b))
    await expectRefused(dir, /test_batch: "data" holds 18422 bytes, expected 18432/)
    const w3 = tempDir()
    const evil = Buffer.from('\x80\x02cos\nsystem\nq\x00U\x02lsq\x01\x85R.', 'latin1')
    dir = writeCifarPython(w3, N, (name, b) => (name === 'data_batch_5' ? evil : b))
    await expectRefused(dir, /data_batch_5: not a CIFAR-10 python batch \(refusing pickle global os\.system\)/)
    const w4 = tempDir()
    dir = writeCifarPython(w4, N, (name, b) => (name === 'data_batch_5' ? b.subarray(0, 3000) : b))
    await expectRefused(dir, /data_batch_5: not a CIFAR-10 python batch \(truncated pickle/)
  })
})

describe('image folders', () => {
  /** Image k of class c: a flat colour that identifies it. */
  const colour = (c: number, k: number): [number, number, number] => [c * 20, k * 10, 200]
  function splitLayout(root: string, classes: string[], perClass: { train: number; test: number }): void {
    const files: Record<string, Buffer | null> = { 'ds/README.md': Buffer.from('not an image') }
    classes.forEach((name, c) => {
      for (let k = 0; k < perClass.train; k++) files[`ds/train/${name}/${k}.png`] = pngOf(32, () => colour(c, k))
      for (let k = 0; k < perClass.test; k++) files[`ds/test/${name}/${k}.png`] = pngOf(32, () => colour(c, k + 10))
    })
    writeFiles(root, files)
  }

  it('imports train/<class> + test/<class> exactly, with classes in sorted order', async () => {
    splitLayout(work, ['dog', 'cat', 'bird'], { train: 3, test: 2 })
    const info = await importDataset(dataDir, store.registry, join(work, 'ds'), defaults)
    expect(info.source.kind).toBe('image-folder')
    expect(info.classNames).toEqual(['bird', 'cat', 'dog'])
    expect(info.counts).toEqual({ train: [3, 3, 3], test: [2, 2, 2] })
    const loaded = await loadDatasetFromCache(dataDir, info)
    expect([...loaded.train.labels]).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2])
    // train image 4 is cat (original class 1), file 1.png: colour(1, 1) everywhere
    const at = (split: Uint8Array, i: number, p: number) => [...split.subarray(i * 3072 + p * 3, i * 3072 + p * 3 + 3)]
    expect(at(loaded.train.images, 4, 0)).toEqual(colour(1, 1))
    expect(at(loaded.train.images, 4, 1023)).toEqual(colour(1, 1))
    expect(at(loaded.test.images, 5, 500)).toEqual(colour(0, 11))
  })

  it('imports a .zip and a .tar of the same folder identically', async () => {
    const classes = ['a', 'b']
    const files: Array<{ path: string; data?: Buffer }> = [{ path: 'train/' }, { path: 'test/' }]
    classes.forEach((name, c) => {
      for (let k = 0; k < 2; k++)
        files.push({ path: `train/${name}/${k}.png`, data: pngOf(32, (r, col) => [c * 100 + r, k * 50 + col, 7]) })
      files.push({ path: `test/${name}/x.png`, data: pngOf(32, () => [c, 1, 2]) })
    })
    const zip = zipOf(files, join(work, 'ds.zip'))
    const info = await importDataset(dataDir, store.registry, zip, defaults)
    const loaded = await loadDatasetFromCache(dataDir, info)
    // train image 3 = class b, 1.png: pixel (r=5, c=9) is (100+5, 50+9, 7)
    expect([...loaded.train.images.subarray(3 * 3072 + (5 * 32 + 9) * 3, 3 * 3072 + (5 * 32 + 9) * 3 + 3)]).toEqual([105, 59, 7])
    writeFiles(join(work, 'tree'), Object.fromEntries(files.map((f) => [`ds/${f.path}`, f.data ?? null])))
    const tar = await tarOf(join(work, 'tree'), 'ds', join(work, 'ds.tar'), false)
    const other = openStore(join(work, 'wb2.sqlite'), { dataDir: join(work, 'd2') })
    try {
      const fromTar = await loadDatasetFromCache(
        join(work, 'd2'),
        await importDataset(join(work, 'd2'), other.registry, tar, defaults),
      )
      expect(Buffer.from(fromTar.train.images).equals(Buffer.from(loaded.train.images))).toBe(true)
      expect([...fromTar.test.labels]).toEqual([...loaded.test.labels])
    } finally {
      other.close()
    }
  })

  it('splits one folder per class by testRatio, stratified and seeded, and resizes other sizes', async () => {
    const files: Record<string, Buffer> = {}
    for (const [c, name] of ['x', 'y'].entries())
      for (let k = 0; k < 10; k++) files[`flat/${name}/${k}.png`] = pngOf(64, () => colour(c, k))
    writeFiles(work, files)
    const info = await importDataset(dataDir, store.registry, join(work, 'flat'), { ...defaults, imageSize: 16, testRatio: 0.3 })
    expect(info.imageSize).toEqual({ height: 16, width: 16, channels: 3 })
    expect(info.counts).toEqual({ train: [7, 7], test: [3, 3] })
    const loaded = await loadDatasetFromCache(dataDir, info)
    expect(loaded.train.images.length).toBe(14 * 16 * 16 * 3)
    // A flat 64×64 image stays flat at 16×16; the colour says which file went to test.
    const testKs = [0, 1, 2].map((i) => loaded.test.images[i * 768 + 1]! / 10).sort((a, b) => a - b)
    const store2 = openStore(join(work, 'wb2.sqlite'), { dataDir: join(work, 'd2') })
    const again = await importDataset(join(work, 'd2'), store2.registry, join(work, 'flat'), {
      ...defaults,
      imageSize: 16,
      testRatio: 0.3,
    }).finally(() => store2.close())
    const loaded2 = await loadDatasetFromCache(join(work, 'd2'), again)
    expect(Buffer.from(loaded2.test.images).equals(Buffer.from(loaded.test.images))).toBe(true)
    expect(testKs.every((k) => Number.isInteger(k) && k >= 0 && k < 10)).toBe(true)
  })

  it('reports every unreadable image by name and count', async () => {
    splitLayout(work, ['a', 'b'], { train: 3, test: 1 })
    writeFiles(work, {
      'ds/train/a/broken.png': pngOf(32, () => [1, 2, 3]).subarray(0, 60),
      'ds/test/b/broken.jpg': Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]),
    })
    await expectRefused(join(work, 'ds'), /ds: 2 of 10 images cannot be decoded: .*train\/a\/broken\.png.*test\/b\/broken\.jpg/)
  })

  it('refuses a class folder with no images', async () => {
    splitLayout(work, ['a', 'b'], { train: 2, test: 1 })
    writeFiles(work, { 'ds/train/c/notes.txt': Buffer.from('x') })
    await expectRefused(join(work, 'ds'), /ds: class folder train\/c has no images/)
  })

  it('refuses a corrupt zip', async () => {
    const zip = zipOf(
      [
        { path: 'a/1.png', data: pngOf(32, () => [1, 1, 1]) },
        { path: 'b/1.png', data: pngOf(32, () => [2, 2, 2]) },
      ],
      join(work, 'x.zip'),
    )
    const bytes = readFileSync(zip)
    writeFileSync(zip, bytes.subarray(0, bytes.length - 30))
    await expectRefused(zip, /x\.zip: corrupt zip archive/)
  })
})

describe('leftovers', () => {
  it('removes temp folders a crashed import left a day ago, and keeps recent ones', async () => {
    const root = join(dataDir, 'datasets')
    writeFiles(root, { '.tmp-old-1/train.images.bin': Buffer.alloc(10), '.tmp-new-1/train.images.bin': Buffer.alloc(10) })
    const dayAgo = new Date(Date.now() - 25 * 3600 * 1000)
    utimesSync(join(root, '.tmp-old-1'), dayAgo, dayAgo)
    const info = await importDataset(dataDir, store.registry, writeCifarBinary(work, 2), defaults)
    expect(readdirSync(root).sort()).toEqual(['.tmp-new-1', info.id])
  })
})

import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { ContractError } from '@shared/contract'
import { mapDiskFull } from '../core/disk-full'
import type { DatasetInfo } from '@shared/domain/dataset'
import { cacheSize, datasetDir, datasetsRoot, MANIFEST_FORMAT, splitFileNames, type DatasetManifest } from './cache'
import { importFailed, throwIfCancelled, type ProgressFn } from './errors'
import { sourceDecoder, type SourceDecoder } from './decoder'
import type { DecodedDataset } from './sources/decoded'

/** Where datasets are registered: the registry store (RegistryStore implements this). */
export interface DatasetRegistry {
  putDataset(info: DatasetInfo): void
  listDatasets(): DatasetInfo[]
  getDataset(id: string): DatasetInfo | null
  deleteDataset(id: string): boolean | void
}

export interface ImportOptions {
  name?: string
  imageSize: number
  testRatio: number
  splitSeed: number
  signal?: AbortSignal
  onProgress?: ProgressFn
  /** Where sources are read and decoded (default: the process's shared decode worker). */
  decoder?: SourceDecoder
  /** Overrides DECODE_STALL_MS, the silence after which a decode is stopped (tests). */
  stallMs?: number
}

function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 'dataset'
  )
}

function defaultName(decoded: DecodedDataset, sourcePath: string): string {
  if (decoded.kind !== 'image-folder') return 'CIFAR-10'
  return basename(sourcePath).replace(/\.(tar\.gz|tgz|tar|zip)$/i, '') || 'images'
}

function countPerClass(labels: Uint8Array, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0)
  for (const label of labels) counts[label]!++
  return counts
}

/** Temp folders left by a process that died mid-import (a day old: no import runs that long). */
async function removeStaleTemp(root: string): Promise<void> {
  const names = await readdir(root).catch(() => [] as string[])
  for (const name of names.filter((n) => n.startsWith('.tmp-'))) {
    const info = await stat(join(root, name)).catch(() => null)
    if (info && Date.now() - info.mtimeMs > 24 * 3600 * 1000) await rm(join(root, name), { recursive: true, force: true })
  }
}

/**
 * Validates, decodes and caches a dataset, then registers it; a source already imported returns that
 * dataset unchanged. Everything is written into a temporary
 * folder that is renamed into place at the end, so a failed or cancelled import leaves nothing behind.
 */
export async function importDataset(
  dataDir: string,
  registry: DatasetRegistry,
  sourcePath: string,
  opts: ImportOptions,
): Promise<DatasetInfo> {
  const progress: ProgressFn = opts.onProgress ?? (() => {})
  // Reading and decoding run in the decode worker (a decoder that hangs is stopped there). Importing
  // the same bytes again is a no-op that answers with the dataset they already are, before the costly
  // decode: scripts re-run imports. A CIFAR-10 cache is always 32 px; an image folder's size is the
  // requested one.
  const outcome = await (opts.decoder ?? sourceDecoder).decode(sourcePath, {
    imageSize: opts.imageSize,
    testRatio: opts.testRatio,
    splitSeed: opts.splitSeed,
    signal: opts.signal,
    onProgress: progress,
    ...(opts.stallMs === undefined ? {} : { stallMs: opts.stallMs }),
    already: (sha256) =>
      registry
        .listDatasets()
        .find((d) => d.source.sha256 === sha256 && (d.source.kind !== 'image-folder' || d.imageSize.height === opts.imageSize)) ??
      null,
  })
  if ('existing' in outcome) {
    progress('write', 1, 1, `already imported as "${outcome.existing.name}" (${outcome.existing.id})`)
    return outcome.existing
  }
  const { decoded } = outcome
  const source = { sha256: outcome.sha256 }
  throwIfCancelled(opts.signal)
  if (decoded.train.count === 0) throw importFailed(sourcePath, 'the training split is empty')
  if (decoded.test.count === 0) throw importFailed(sourcePath, 'the test split is empty')

  const sizeKey = decoded.kind === 'image-folder' ? `:${decoded.height}` : ''

  const name = opts.name ?? defaultName(decoded, sourcePath)
  const id = `${slug(name)}-${createHash('sha256')
    .update(source.sha256 + sizeKey)
    .digest('hex')
    .slice(0, 8)}`
  const finalDir = datasetDir(dataDir, id)
  if (registry.getDataset(id)) throw new ContractError('conflict', `a dataset with id ${id} already exists`)
  const numClasses = decoded.classNames.length
  await removeStaleTemp(datasetsRoot(dataDir))
  const tmpDir = join(datasetsRoot(dataDir), `.tmp-${id}-${randomBytes(4).toString('hex')}`)
  const needed = (['train', 'test'] as const).reduce((n, s) => n + decoded[s].images.byteLength + decoded[s].labels.byteLength, 0)
  try {
    await mkdir(tmpDir, { recursive: true })
    progress('write', 0, 2, 'writing the cache')
    for (const split of ['train', 'test'] as const) {
      const names = splitFileNames(split)
      await writeFile(join(tmpDir, names.images), decoded[split].images)
      await writeFile(join(tmpDir, names.labels), decoded[split].labels)
      throwIfCancelled(opts.signal)
    }
    const info: DatasetInfo = {
      id,
      name,
      source: { kind: decoded.kind, path: sourcePath, sha256: source.sha256 },
      classNames: decoded.classNames,
      imageSize: { height: decoded.height, width: decoded.width, channels: 3 },
      counts: { train: countPerClass(decoded.train.labels, numClasses), test: countPerClass(decoded.test.labels, numClasses) },
      totals: { train: decoded.train.count, test: decoded.test.count },
      sizeBytes: await cacheSize(tmpDir),
      createdAt: new Date().toISOString(),
    }
    const manifest: DatasetManifest = {
      format: MANIFEST_FORMAT,
      version: 1,
      info,
      files: { train: splitFileNames('train'), test: splitFileNames('test') },
    }
    await writeFile(join(tmpDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
    // A stale folder of the same id (a crash after rename, before registering) is replaced.
    await rm(finalDir, { recursive: true, force: true })
    await rename(tmpDir, finalDir)
    try {
      registry.putDataset(info)
    } catch (error) {
      await rm(finalDir, { recursive: true, force: true })
      throw error
    }
    progress('write', 2, 2, 'done')
    return info
  } catch (error) {
    await rm(tmpDir, { recursive: true, force: true })
    // A full disk (the cache files, or the registry's database) says so, with the space it needed.
    throw mapDiskFull(error, dataDir, needed)
  }
}

import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { ContractError } from '@shared/contract'
import { DatasetInfo, type SplitName } from '@shared/domain/dataset'

/** One split as the engine consumes it: uint8 NHWC pixels and one label byte per image. */
export interface SplitArrays {
  images: Uint8Array
  labels: Uint8Array
  count: number
}

export interface LoadedDataset {
  info: DatasetInfo
  train: SplitArrays
  test: SplitArrays
}

export const MANIFEST_FORMAT = 'cifar-workbench-dataset'

/** `<dataDir>/datasets/<id>/manifest.json`: the registry entry plus the layout of the cache files. */
export const DatasetManifest = z.object({
  format: z.literal(MANIFEST_FORMAT),
  version: z.literal(1),
  info: DatasetInfo,
  files: z.object({
    train: z.object({ images: z.string(), labels: z.string() }),
    test: z.object({ images: z.string(), labels: z.string() }),
  }),
})
export type DatasetManifest = z.infer<typeof DatasetManifest>

export function datasetsRoot(dataDir: string): string {
  return join(dataDir, 'datasets')
}

export function datasetDir(dataDir: string, id: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(id) || id.startsWith('.'))
    throw new ContractError('invalid_input', `dataset id "${id}" is not a valid folder name`)
  return join(datasetsRoot(dataDir), id)
}

export function splitFileNames(split: SplitName): { images: string; labels: string } {
  return { images: `${split}.images.bin`, labels: `${split}.labels.bin` }
}

export async function readManifest(dir: string): Promise<DatasetManifest> {
  const file = join(dir, 'manifest.json')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new ContractError('not_found', `dataset cache ${file} cannot be read: ${(error as Error).message}`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw new ContractError('failed', `${file} is not valid JSON`)
  }
  const parsed = DatasetManifest.safeParse(raw)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new ContractError('failed', `${file}: ${first ? `${first.path.join('.')}: ${first.message}` : 'invalid manifest'}`)
  }
  return parsed.data
}

async function loadSplit(dir: string, info: DatasetInfo, split: SplitName): Promise<SplitArrays> {
  const names = splitFileNames(split)
  const count = info.totals[split]
  const { height, width, channels } = info.imageSize
  const imagesFile = join(dir, names.images)
  const labelsFile = join(dir, names.labels)
  const expected = count * height * width * channels
  let images: Buffer
  let labels: Buffer
  try {
    ;[images, labels] = await Promise.all([readFile(imagesFile), readFile(labelsFile)])
  } catch (error) {
    throw new ContractError('not_found', `dataset "${info.name}" cache is missing a file: ${(error as Error).message}`)
  }
  if (images.length !== expected) {
    throw new ContractError(
      'failed',
      `${imagesFile} holds ${images.length} bytes, expected ${expected} (${count} images of ${height}x${width}x${channels}); re-import the dataset`,
    )
  }
  if (labels.length !== count) {
    throw new ContractError('failed', `${labelsFile} holds ${labels.length} labels, expected ${count}; re-import the dataset`)
  }
  const numClasses = info.classNames.length
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! >= numClasses)
      throw new ContractError('failed', `${labelsFile}: label ${labels[i]} at index ${i} is outside 0..${numClasses - 1}`)
  }
  return {
    images: new Uint8Array(images.buffer, images.byteOffset, images.length),
    labels: new Uint8Array(labels.buffer, labels.byteOffset, labels.length),
    count,
  }
}

/**
 * Opens a cached dataset without decoding anything: two plain reads per split. Needs no store, so
 * the training worker can call it with the DatasetInfo it was handed.
 */
export async function loadDatasetFromCache(dataDir: string, info: DatasetInfo): Promise<LoadedDataset> {
  const dir = datasetDir(dataDir, info.id)
  const [train, test] = await Promise.all([loadSplit(dir, info, 'train'), loadSplit(dir, info, 'test')])
  return { info, train, test }
}

/** Total bytes of the cache files of a dataset folder. */
export async function cacheSize(dir: string): Promise<number> {
  let total = 0
  for (const split of ['train', 'test'] as const) {
    const names = splitFileNames(split)
    total += (await stat(join(dir, names.images))).size + (await stat(join(dir, names.labels))).size
  }
  return total
}

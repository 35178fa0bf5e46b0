import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import jpeg from 'jpeg-js'
import * as tar from 'tar'

/** Real CIFAR-10 data for the training tests: a few images per class from ../shared. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')
export const sharedDir = resolve(repoRoot, '../shared')
export const cifarArchive = join(sharedDir, 'data/cifar10-jpg.tar.gz')
export const mobilenetDir = join(sharedDir, 'models/mobilenetv2-imagenet')
export const hasShared = existsSync(cifarArchive)
export const skipReason = `../shared is absent (${sharedDir}): the training tests need the real CIFAR-10 subset`

export const CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']

export interface Subset {
  images: Uint8Array
  labels: Uint8Array
  count: number
}

interface Entry {
  split: 'train' | 'test'
  label: number
  index: number
  path: string
  bytes: Buffer
}

/** The first `perClass[split]` JPEGs of every class, raw, in class then file order. */
export async function readJpegEntries(perClass: { train: number; test: number }): Promise<Entry[]> {
  const entries: Entry[] = []
  await tar.t({
    file: cifarArchive,
    onReadEntry: (entry) => {
      const m = /^cifar10-jpg\/(train|test)\/([a-z]+)\/(\d+)\.jpg$/.exec(entry.path)
      const label = m ? CLASS_NAMES.indexOf(m[2]!) : -1
      if (!m || label < 0 || Number(m[3]) >= perClass[m[1] as 'train' | 'test']) {
        entry.resume()
        return
      }
      const chunks: Buffer[] = []
      entry.on('data', (c: Buffer) => chunks.push(c))
      entry.on('end', () =>
        entries.push({
          split: m[1] as 'train' | 'test',
          label,
          index: Number(m[3]),
          path: entry.path,
          bytes: Buffer.concat(chunks),
        }),
      )
    },
  })
  entries.sort((a, b) => a.split.localeCompare(b.split) || a.label - b.label || a.index - b.index)
  return entries
}

function decode(entries: Entry[]): Subset {
  const images = new Uint8Array(entries.length * 32 * 32 * 3)
  const labels = new Uint8Array(entries.length)
  entries.forEach((e, i) => {
    const { data, width, height } = jpeg.decode(e.bytes, { useTArray: true, formatAsRGBA: true })
    if (width !== 32 || height !== 32) throw new Error(`${e.path}: ${width}x${height}, expected 32x32`)
    for (let p = 0; p < 32 * 32; p++) {
      images[i * 3072 + p * 3] = data[p * 4]!
      images[i * 3072 + p * 3 + 1] = data[p * 4 + 1]!
      images[i * 3072 + p * 3 + 2] = data[p * 4 + 2]!
    }
    labels[i] = e.label
  })
  return { images, labels, count: entries.length }
}

/** Decoded uint8 NHWC arrays of a real CIFAR-10 subset. */
export async function loadCifarSubset(perClass: { train: number; test: number }): Promise<{ train: Subset; test: Subset }> {
  const entries = await readJpegEntries(perClass)
  return { train: decode(entries.filter((e) => e.split === 'train')), test: decode(entries.filter((e) => e.split === 'test')) }
}

/** Writes the subset as an image-folder tree `<dir>/{train,test}/<class>/NNNN.jpg` (for the importer). */
export async function writeImageFolder(dir: string, perClass: { train: number; test: number }): Promise<string> {
  for (const e of await readJpegEntries(perClass)) {
    const file = join(dir, e.path.replace(/^cifar10-jpg\//, ''))
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, e.bytes)
  }
  return dir
}

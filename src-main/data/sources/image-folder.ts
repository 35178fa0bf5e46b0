import { importFailed, throwIfCancelled, type ProgressFn } from '../errors'
import { Rng } from '../rng'
import type { SourceEntry } from './archive'
import type { DecodedDataset, DecodedSplit } from './decoded'
import { decodeImage, resizeBilinear } from './decode-image'

const IMAGE_EXT = /\.(png|jpe?g)$/i

/** Longest stretch of decoding between two turns of the event loop. */
const PAUSE_EVERY_MS = 200

export interface ImageFolderOptions {
  imageSize: number
  testRatio: number
  splitSeed: number
  signal?: AbortSignal
  onProgress?: ProgressFn
}

interface Item {
  entry: SourceEntry
  label: number
}

/** Hidden files and macOS resource forks are not images of the dataset. */
function ignored(path: string): boolean {
  return path.split('/').some((part) => part.startsWith('.') || part === '__MACOSX')
}

function commonDirPrefix(paths: string[]): string[] {
  const split = paths.map((p) => p.split('/').slice(0, -1))
  const first = split[0] ?? []
  let n = 0
  while (n < first.length && split.every((parts) => parts[n] === first[n])) n++
  return first.slice(0, n)
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)

/**
 * Images per class: `train/<class>/*` + `test/<class>/*`, or `<class>/*` split by testRatio (stratified,
 * seeded). Classes are the folder names sorted, as Keras' flow_from_directory orders them.
 */
export async function readImageFolder(
  entries: SourceEntry[],
  sourcePath: string,
  opts: ImageFolderOptions,
): Promise<DecodedDataset> {
  const visible = entries.filter((e) => !ignored(e.path))
  const images = visible.filter((e) => !e.isDir && IMAGE_EXT.test(e.path))
  if (images.length === 0)
    throw importFailed(sourcePath, 'no .png or .jpg images found (expected train/<class>/*, test/<class>/* or <class>/*)')
  const prefix = commonDirPrefix(images.map((e) => e.path))
  // With a single class folder everything shares its path too; keep the class level.
  const rel = (path: string) => path.split('/').slice(prefix.length)
  let root = prefix
  let parts = images.map((e) => rel(e.path))
  if (parts.every((p) => p.length === 1) && root.length > 0) {
    root = prefix.slice(0, -1)
    parts = images.map((e) => e.path.split('/').slice(root.length))
  }
  const rootPath = root.join('/')
  const under = (p: string) => (rootPath ? p.startsWith(`${rootPath}/`) : true)
  const relParts = (p: string) => p.split('/').slice(root.length)
  const tops = new Set(parts.map((p) => p[0]!.toLowerCase()))
  const splitLayout = tops.has('train') && tops.has('test') && parts.every((p) => p.length === 3)

  // Class folders, including empty ones (a folder entry, or a folder holding only non-images).
  const folders = new Map<string, Set<string>>() // split ('' for class layout) → class names
  const depth = splitLayout ? 2 : 1
  const noteFolder = (p: string[]) => {
    if (p.length < depth) return
    const split = splitLayout ? p[0]!.toLowerCase() : ''
    if (splitLayout && split !== 'train' && split !== 'test') return
    const set = folders.get(split) ?? new Set<string>()
    set.add(p[depth - 1]!)
    folders.set(split, set)
  }
  for (const e of visible) {
    if (!under(e.path)) continue
    const p = relParts(e.path)
    noteFolder(e.isDir ? p : p.slice(0, -1))
  }
  if (!splitLayout && !parts.every((p) => p.length === 2)) {
    const odd = images.find((_, i) => parts[i]!.length !== 2)!
    throw importFailed(
      sourcePath,
      `${odd.path} is not inside a class folder (expected train/<class>/*, test/<class>/* or <class>/*)`,
    )
  }
  const count = new Map<string, number>()
  parts.forEach((p) => {
    const k = p.slice(0, depth).join('/').toLowerCase()
    count.set(k, (count.get(k) ?? 0) + 1)
  })
  for (const [split, classes] of folders) {
    for (const c of classes) {
      if (!count.get((split ? `${split}/${c}` : c).toLowerCase())) {
        throw importFailed(sourcePath, `class folder ${[rootPath, split, c].filter(Boolean).join('/')} has no images`)
      }
    }
  }
  const classNames = [...new Set(parts.map((p) => p[depth - 1]!))].sort()
  if (classNames.length < 2) throw importFailed(sourcePath, `found ${classNames.length} class folder; a dataset needs at least 2`)
  const classIndex = new Map(classNames.map((c, i) => [c, i]))

  let train: Item[] = []
  let test: Item[] = []
  if (splitLayout) {
    images.forEach((entry, i) => {
      const p = parts[i]!
      ;(p[0]!.toLowerCase() === 'train' ? train : test).push({ entry, label: classIndex.get(p[1]!)! })
    })
    for (const [name, items] of [
      ['train', train],
      ['test', test],
    ] as const) {
      const present = new Set(items.map((it) => it.label))
      const missing = classNames.filter((_, i) => !present.has(i))
      if (missing.length)
        throw importFailed(sourcePath, `${name}/ has no folder for class${missing.length > 1 ? 'es' : ''} ${missing.join(', ')}`)
    }
  } else {
    const rng = new Rng(opts.splitSeed)
    const perClass: Item[][] = classNames.map(() => [])
    images.forEach((entry, i) => perClass[classIndex.get(parts[i]![0]!)!]!.push({ entry, label: classIndex.get(parts[i]![0]!)! }))
    perClass.forEach((items, c) => {
      items.sort((a, b) => byPath(a.entry, b.entry))
      if (items.length < 2)
        throw importFailed(
          sourcePath,
          `class ${classNames[c]} has ${items.length} image; at least 2 are needed to split train/test`,
        )
      const nTest = Math.min(items.length - 1, Math.max(1, Math.round(items.length * opts.testRatio)))
      rng.shuffle(items)
      test.push(...items.slice(0, nTest))
      train.push(...items.slice(nTest))
    })
  }
  const order = (a: Item, b: Item) => a.label - b.label || byPath(a.entry, b.entry)
  train = train.sort(order)
  test = test.sort(order)

  const total = train.length + test.length
  const failures: string[] = []
  let done = 0
  let lastPause = performance.now()
  const decodeSplit = async (items: Item[]): Promise<DecodedSplit> => {
    const size = opts.imageSize
    const out: DecodedSplit = {
      images: new Uint8Array(items.length * size * size * 3),
      labels: new Uint8Array(items.length),
      count: items.length,
    }
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!
      if (done % 2000 === 0 || performance.now() - lastPause > PAUSE_EVERY_MS) {
        // Let the event loop run so a cancel request, progress events and the decode worker's
        // heartbeat get through: only one image's decode ever holds the thread for long.
        await new Promise((resolve) => setImmediate(resolve))
        lastPause = performance.now()
        throwIfCancelled(opts.signal)
        opts.onProgress?.('decode', done, total, 'decoding images')
      }
      done++
      out.labels[i] = item.label
      try {
        resizeBilinear(decodeImage(item.entry.data), size, out.images, i * size * size * 3)
      } catch (error) {
        failures.push(`${item.entry.path} (${(error as Error).message})`)
      }
    }
    return out
  }
  const trainOut = await decodeSplit(train)
  const testOut = await decodeSplit(test)
  opts.onProgress?.('decode', total, total, 'decoding images')
  if (failures.length) {
    const shown = failures.slice(0, 10).join('; ')
    const more = failures.length > 10 ? `; and ${failures.length - 10} more` : ''
    throw importFailed(sourcePath, `${failures.length} of ${total} images cannot be decoded: ${shown}${more}`)
  }
  return { kind: 'image-folder', classNames, height: opts.imageSize, width: opts.imageSize, train: trainOut, test: testOut }
}

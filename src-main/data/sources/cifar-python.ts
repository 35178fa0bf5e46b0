import { importFailed } from '../errors'
import type { SourceEntry } from './archive'
import { CIFAR10_CLASS_NAMES, CIFAR_PIXELS, concatSplits, planarToNhwc, type DecodedDataset, type DecodedSplit } from './decoded'
import { findCifarBatches } from './cifar-files'
import { NdArray, PickleError, unpickle, type PickleValue } from './pickle'

function load(entry: SourceEntry): Map<string, PickleValue> {
  let value: PickleValue
  try {
    value = unpickle(entry.data)
  } catch (error) {
    if (error instanceof PickleError) throw importFailed(entry.path, `not a CIFAR-10 python batch (${error.message})`)
    throw error
  }
  if (!(value instanceof Map)) throw importFailed(entry.path, 'the pickle does not hold a dict')
  return value
}

function readBatch(entry: SourceEntry, numClasses: number): DecodedSplit {
  const dict = load(entry)
  const data = dict.get('data')
  const labels = dict.get('labels') ?? dict.get('fine_labels')
  if (!(data instanceof NdArray)) throw importFailed(entry.path, 'has no numpy "data" array')
  if (!Array.isArray(labels)) throw importFailed(entry.path, 'has no "labels" list')
  const dtype = data.dtype?.name
  if (dtype !== 'u1' && dtype !== '|u1' && dtype !== 'uint8')
    throw importFailed(entry.path, `"data" has dtype ${dtype}, expected uint8`)
  if (data.fortranOrder) throw importFailed(entry.path, '"data" is in Fortran order, expected C order')
  const [rows, cols] = data.shape
  if (data.shape.length !== 2 || cols !== CIFAR_PIXELS || rows === undefined) {
    throw importFailed(entry.path, `"data" has shape (${data.shape.join(', ')}), expected (N, ${CIFAR_PIXELS})`)
  }
  if (data.data.length !== rows * CIFAR_PIXELS) {
    throw importFailed(
      entry.path,
      `"data" holds ${data.data.length} bytes, expected ${rows * CIFAR_PIXELS} for shape (${rows}, ${CIFAR_PIXELS}) (truncated or oversized)`,
    )
  }
  if (labels.length !== rows) throw importFailed(entry.path, `${labels.length} labels for ${rows} images`)
  const out: DecodedSplit = { images: new Uint8Array(rows * CIFAR_PIXELS), labels: new Uint8Array(rows), count: rows }
  labels.forEach((label, i) => {
    if (typeof label !== 'number' || !Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw importFailed(entry.path, `label ${JSON.stringify(label)} at index ${i} is outside 0..${numClasses - 1}`)
    }
    out.labels[i] = label
  })
  for (let r = 0; r < rows; r++) planarToNhwc(data.data, r * CIFAR_PIXELS, out.images, r * CIFAR_PIXELS)
  return out
}

function classNames(meta: SourceEntry | null): string[] {
  if (!meta) return CIFAR10_CLASS_NAMES.slice()
  const names = load(meta).get('label_names')
  if (!Array.isArray(names) || names.length < 2) throw importFailed(meta.path, 'has no "label_names" list')
  return names.map((n, i) => {
    if (Buffer.isBuffer(n)) return n.toString('utf8')
    if (typeof n === 'string') return n
    throw importFailed(meta.path, `label_names[${i}] is not a string`)
  })
}

/** The CIFAR-10 python release / Keras cache (data_batch_1..5, test_batch pickles), or null. */
export function readCifarPython(entries: SourceEntry[], sourcePath: string): DecodedDataset | null {
  const found = findCifarBatches(entries, '', sourcePath)
  if (!found) return null
  const names = classNames(found.meta)
  return {
    kind: 'cifar10-python',
    classNames: names,
    height: 32,
    width: 32,
    train: concatSplits(found.train.map((e) => readBatch(e, names.length))),
    test: readBatch(found.test, names.length),
  }
}

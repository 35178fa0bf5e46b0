import { importFailed } from '../errors'
import type { SourceEntry } from './archive'
import { CIFAR10_CLASS_NAMES, CIFAR_PIXELS, concatSplits, planarToNhwc, type DecodedDataset, type DecodedSplit } from './decoded'
import { findCifarBatches } from './cifar-files'

const RECORD = 1 + CIFAR_PIXELS

function readBatch(entry: SourceEntry, numClasses: number): DecodedSplit {
  const bytes = entry.data
  if (bytes.length === 0) throw importFailed(entry.path, 'empty batch file')
  if (bytes.length % RECORD !== 0) {
    const whole = Math.floor(bytes.length / RECORD)
    throw importFailed(
      entry.path,
      `${bytes.length} bytes is not a whole number of ${RECORD}-byte records (record ${whole} is ${bytes.length - whole * RECORD} bytes: truncated or oversized)`,
    )
  }
  const count = bytes.length / RECORD
  const images = new Uint8Array(count * CIFAR_PIXELS)
  const labels = new Uint8Array(count)
  for (let r = 0; r < count; r++) {
    const label = bytes[r * RECORD]!
    if (label >= numClasses) throw importFailed(entry.path, `record ${r} has label ${label}, outside 0..${numClasses - 1}`)
    labels[r] = label
    planarToNhwc(bytes, r * RECORD + 1, images, r * CIFAR_PIXELS)
  }
  return { images, labels, count }
}

function classNames(meta: SourceEntry | null): string[] {
  if (!meta) return CIFAR10_CLASS_NAMES.slice()
  const names = meta.data
    .toString('utf8')
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter(Boolean)
  if (names.length < 2 || names.length > 256)
    throw importFailed(meta.path, `expected one class name per line, found ${names.length}`)
  return names
}

/** The CIFAR-10 binary release (data_batch_1..5.bin, test_batch.bin), or null if this is not one. */
export function readCifarBinary(entries: SourceEntry[], sourcePath: string): DecodedDataset | null {
  const found = findCifarBatches(entries, '.bin', sourcePath)
  if (!found) return null
  const names = classNames(found.meta)
  return {
    kind: 'cifar10-binary',
    classNames: names,
    height: 32,
    width: 32,
    train: concatSplits(found.train.map((e) => readBatch(e, names.length))),
    test: readBatch(found.test, names.length),
  }
}

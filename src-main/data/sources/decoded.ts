import type { DatasetSourceKind } from '@shared/domain/dataset'

export interface DecodedSplit {
  /** uint8 NHWC, count × height × width × 3. */
  images: Uint8Array
  labels: Uint8Array
  count: number
}

/** What every importer produces, before it is written to the cache. */
export interface DecodedDataset {
  kind: DatasetSourceKind
  classNames: string[]
  height: number
  width: number
  train: DecodedSplit
  test: DecodedSplit
}

/** CIFAR-10 label order (batches.meta.txt). */
export const CIFAR10_CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']

export const CIFAR_SIDE = 32
export const CIFAR_PIXELS = CIFAR_SIDE * CIFAR_SIDE * 3

/** One CIFAR row (R plane, G plane, B plane; 1024 bytes each) into NHWC at `dst[offset]`. */
export function planarToNhwc(src: Uint8Array, srcOffset: number, dst: Uint8Array, dstOffset: number): void {
  const plane = CIFAR_SIDE * CIFAR_SIDE
  for (let p = 0; p < plane; p++) {
    const o = dstOffset + p * 3
    dst[o] = src[srcOffset + p]!
    dst[o + 1] = src[srcOffset + plane + p]!
    dst[o + 2] = src[srcOffset + 2 * plane + p]!
  }
}

/** Path without folders. */
export function baseName(path: string): string {
  const at = path.lastIndexOf('/')
  return at < 0 ? path : path.slice(at + 1)
}

export function concatSplits(parts: DecodedSplit[]): DecodedSplit {
  const count = parts.reduce((n, p) => n + p.count, 0)
  const images = new Uint8Array(count * CIFAR_PIXELS)
  const labels = new Uint8Array(count)
  let at = 0
  for (const p of parts) {
    images.set(p.images, at * CIFAR_PIXELS)
    labels.set(p.labels, at)
    at += p.count
  }
  return { images, labels, count }
}

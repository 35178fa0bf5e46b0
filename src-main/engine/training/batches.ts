/** Batch assembly from the dataset's cached uint8 arrays (NHWC), by index: no copy of the whole split. */

export interface PixelArrays {
  images: Uint8Array
  labels: Uint8Array
  height: number
  width: number
}

/** Copies the images at `order[start..end)` into one contiguous NHWC uint8 batch. */
export function gatherPixels(source: PixelArrays, order: ArrayLike<number>, start: number, end: number): Uint8Array {
  const bytes = source.height * source.width * 3
  const out = new Uint8Array((end - start) * bytes)
  for (let i = start; i < end; i++) {
    const index = order[i]!
    out.set(source.images.subarray(index * bytes, (index + 1) * bytes), (i - start) * bytes)
  }
  return out
}

/** Rows of a flat float array (features per image), gathered by index. */
export function gatherRows(
  rows: Float32Array,
  rowSize: number,
  order: ArrayLike<number>,
  start: number,
  end: number,
): Float32Array {
  const out = new Float32Array((end - start) * rowSize)
  for (let i = start; i < end; i++) {
    const index = order[i]!
    out.set(rows.subarray(index * rowSize, (index + 1) * rowSize), (i - start) * rowSize)
  }
  return out
}

/** The labels at `order[start..end)`, as the int32 the loss takes. */
export function gatherLabels(labels: ArrayLike<number>, order: ArrayLike<number>, start: number, end: number): Int32Array {
  const out = new Int32Array(end - start)
  for (let i = start; i < end; i++) out[i - start] = labels[order[i]!]!
  return out
}

/** [start, end) of each batch; the last one may be short (Keras keeps it too). */
export function batchRanges(count: number, batchSize: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = []
  for (let start = 0; start < count; start += batchSize) ranges.push([start, Math.min(count, start + batchSize)])
  return ranges
}

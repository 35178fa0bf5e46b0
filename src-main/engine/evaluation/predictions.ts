import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32 } from 'node:zlib'

/**
 * A run's per-image test predictions, kept beside the run (`runs/<id>/predictions.bin`) so paired
 * statistics and image-by-image views work on old runs without training again.
 *
 * File layout (little endian), version 1:
 *   0  "CWBP"            magic
 *   4  u16 version       1
 *   6  u8  k             top classes kept per image
 *   7  u8  numClasses
 *   8  u32 count         images
 *   12 u32 reserved      0
 *   16 u32[count]        index of each image in the dataset's test split
 *      u8[count]         true label
 *      u8[count * k]     top-k classes, most probable first (ties: lower class first, as argmax)
 *      u16[count * k]    their probabilities, quantised as round(p * 65535)
 *      u32               CRC-32 of every byte before it
 * About 0.1 MB for 10,000 images at k = 3.
 */
export const PREDICTIONS_FILE = 'predictions.bin'
export const PREDICTIONS_VERSION = 1
const MAGIC = 'CWBP'
const HEADER_BYTES = 16
const DEFAULT_K = 3

export interface RunPredictions {
  numClasses: number
  k: number
  count: number
  datasetIndices: Uint32Array
  labels: Uint8Array
  /** count × k, row-major; topClasses[i * k] is the predicted class. */
  topClasses: Uint8Array
  /** count × k probabilities (dequantised: ±7.7e-6 of the model's output). */
  topProbs: Float32Array
}

export class PredictionsFileError extends Error {
  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`)
    this.name = 'PredictionsFileError'
  }
}

/** Top-k of each row of N × numClasses softmax outputs. */
export function topKPredictions(
  probs: Float32Array,
  labels: ArrayLike<number>,
  datasetIndices: ArrayLike<number>,
  numClasses: number,
  k = DEFAULT_K,
): RunPredictions {
  if (numClasses < 1 || numClasses > 255) throw new Error(`predictions: ${numClasses} classes do not fit the file (1 to 255)`)
  const count = labels.length
  if (probs.length !== count * numClasses)
    throw new Error(`predictions: ${probs.length} probabilities for ${count} images × ${numClasses} classes`)
  if (datasetIndices.length !== count)
    throw new Error(`predictions: ${datasetIndices.length} dataset indices for ${count} images`)
  const kk = Math.min(k, numClasses)
  const topClasses = new Uint8Array(count * kk)
  const topProbs = new Float32Array(count * kk)
  const order = Array.from({ length: numClasses }, (_, c) => c)
  for (let i = 0; i < count; i++) {
    const row = probs.subarray(i * numClasses, (i + 1) * numClasses)
    order.sort((a, b) => row[b]! - row[a]! || a - b)
    for (let j = 0; j < kk; j++) {
      topClasses[i * kk + j] = order[j]!
      topProbs[i * kk + j] = row[order[j]!]!
    }
    order.sort((a, b) => a - b)
  }
  return {
    numClasses,
    k: kk,
    count,
    datasetIndices: Uint32Array.from(datasetIndices),
    labels: Uint8Array.from(labels),
    topClasses,
    topProbs,
  }
}

/** Predicted class of each image. */
export function predictedClasses(p: RunPredictions): Uint8Array {
  const out = new Uint8Array(p.count)
  for (let i = 0; i < p.count; i++) out[i] = p.topClasses[i * p.k]!
  return out
}

/** 1 where the prediction is right, 0 where it is wrong. */
export function correctness(p: RunPredictions): Uint8Array {
  const out = new Uint8Array(p.count)
  for (let i = 0; i < p.count; i++) out[i] = p.topClasses[i * p.k] === p.labels[i] ? 1 : 0
  return out
}

function byteLength(count: number, k: number): number {
  return HEADER_BYTES + count * 4 + count + count * k + count * k * 2 + 4
}

export function encodePredictions(p: RunPredictions): Buffer {
  const { count, k } = p
  const buf = Buffer.alloc(byteLength(count, k))
  buf.write(MAGIC, 0, 'latin1')
  buf.writeUInt16LE(PREDICTIONS_VERSION, 4)
  buf.writeUInt8(k, 6)
  buf.writeUInt8(p.numClasses, 7)
  buf.writeUInt32LE(count, 8)
  buf.writeUInt32LE(0, 12)
  let o = HEADER_BYTES
  for (let i = 0; i < count; i++, o += 4) buf.writeUInt32LE(p.datasetIndices[i]!, o)
  buf.set(p.labels, o)
  o += count
  buf.set(p.topClasses, o)
  o += count * k
  for (let i = 0; i < count * k; i++, o += 2) buf.writeUInt16LE(Math.round(Math.min(1, Math.max(0, p.topProbs[i]!)) * 65535), o)
  buf.writeUInt32LE(crc32(buf.subarray(0, o)), o)
  return buf
}

/** Parses a predictions file; every inconsistency is a PredictionsFileError naming `source`. */
export function decodePredictions(buf: Uint8Array, source = PREDICTIONS_FILE): RunPredictions {
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength)
  const fail = (problem: string): never => {
    throw new PredictionsFileError(source, problem)
  }
  if (b.length < HEADER_BYTES + 4) fail(`${b.length} bytes is too short for a predictions file`)
  if (b.toString('latin1', 0, 4) !== MAGIC) fail('not a predictions file (bad magic)')
  const version = b.readUInt16LE(4)
  if (version !== PREDICTIONS_VERSION)
    fail(`predictions file version ${version}, this build reads version ${PREDICTIONS_VERSION}`)
  const k = b.readUInt8(6)
  const numClasses = b.readUInt8(7)
  const count = b.readUInt32LE(8)
  if (numClasses < 1 || k < 1 || k > numClasses) fail(`bad header: k = ${k} with ${numClasses} classes`)
  const expected = byteLength(count, k)
  if (b.length !== expected)
    fail(`${b.length} bytes, expected ${expected} for ${count} images at k = ${k} (truncated or corrupt)`)
  const body = expected - 4
  if (crc32(b.subarray(0, body)) !== b.readUInt32LE(body)) fail('checksum mismatch (corrupt file)')
  let o = HEADER_BYTES
  const datasetIndices = new Uint32Array(count)
  for (let i = 0; i < count; i++, o += 4) datasetIndices[i] = b.readUInt32LE(o)
  const labels = Uint8Array.from(b.subarray(o, o + count))
  o += count
  const topClasses = Uint8Array.from(b.subarray(o, o + count * k))
  o += count * k
  const topProbs = new Float32Array(count * k)
  for (let i = 0; i < count * k; i++, o += 2) topProbs[i] = b.readUInt16LE(o) / 65535
  for (let i = 0; i < count; i++) {
    if (labels[i]! >= numClasses) fail(`image ${i}: true label ${labels[i]} is not one of ${numClasses} classes`)
    for (let j = 0; j < k; j++)
      if (topClasses[i * k + j]! >= numClasses)
        fail(`image ${i}: class ${topClasses[i * k + j]} is not one of ${numClasses} classes`)
  }
  return { numClasses, k, count, datasetIndices, labels, topClasses, topProbs }
}

export function predictionsPath(runDir: string): string {
  return join(runDir, PREDICTIONS_FILE)
}

/** Writes the file aside and renames it into place, so a reader never sees half a file. */
export async function writePredictionsFile(runDir: string, p: RunPredictions): Promise<string> {
  await mkdir(runDir, { recursive: true })
  const path = predictionsPath(runDir)
  try {
    await writeFile(`${path}.tmp`, encodePredictions(p))
    await rename(`${path}.tmp`, path)
  } catch (error) {
    await rm(`${path}.tmp`, { force: true })
    throw error
  }
  return path
}

/** The run's predictions, or null when it has no predictions file; a bad file is an error. */
export async function readPredictionsFile(runDir: string): Promise<RunPredictions | null> {
  const path = predictionsPath(runDir)
  let bytes: Buffer
  try {
    bytes = await readFile(path)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw error
  }
  return decodePredictions(bytes, path)
}

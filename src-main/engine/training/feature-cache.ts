import { createHash } from 'node:crypto'
import { closeSync, existsSync, openSync, readSync, statSync, writeSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { readValues } from '../backend/read'
import * as tf from '../tf'
import { batchRanges, gatherRows } from './batches'
import type { PixelSplit } from './sources'

/**
 * Base features computed once per (dataset content, base weights, input size, cut layer, pooling,
 * split indices) and reused by every run that trains a head on the same frozen base without
 * augmentation. Stored as raw float32 rows under `<dataDir>/features/<key>/`.
 */
export interface FeatureKeyParts {
  datasetHash: string
  baseSha256: string
  inputSize: number
  cutLayer: string
  /** Rows hold the globally average-pooled vector instead of the whole feature map. */
  pooled: boolean
  splits: Record<FeatureSplitName, Int32Array>
}

export type FeatureSplitName = 'train' | 'validation' | 'test'
const SPLITS: FeatureSplitName[] = ['train', 'validation', 'test']

const FeatureMeta = z.object({
  format: z.literal('cifar-workbench-features'),
  version: z.literal(1),
  key: z.string(),
  rowShape: z.array(z.number().int().positive()),
  counts: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
  parts: z.object({
    datasetHash: z.string(),
    baseSha256: z.string(),
    inputSize: z.number(),
    cutLayer: z.string(),
    pooled: z.boolean(),
  }),
})

/**
 * One split's cached rows: held in memory, or (past the run's memory bound) read from the split's
 * file batch by batch. Both give the same float32 values, so a run trains the same either way.
 */
export interface FeatureRows {
  readonly count: number
  readonly inMemory: boolean
  /** The rows at `order[start..end)`, one after another. */
  gather(order: ArrayLike<number>, start: number, end: number): Float32Array
}

export interface FeatureSet {
  key: string
  dir: string
  rowShape: number[]
  rows: Record<FeatureSplitName, FeatureRows>
  /** True when the features came from the cache rather than being computed now. */
  hit: boolean
  /** Bytes of the three splits' rows held in memory, and left on disk (read per batch). */
  memoryBytes: number
  diskBytes: number
}

class MemoryRows implements FeatureRows {
  readonly inMemory = true
  readonly count: number
  constructor(
    private readonly rows: Float32Array,
    private readonly rowSize: number,
  ) {
    this.count = rows.length / rowSize
  }
  gather(order: ArrayLike<number>, start: number, end: number): Float32Array {
    return gatherRows(this.rows, this.rowSize, order, start, end)
  }
}

/** Rows read from their file on every batch (the OS page cache keeps what fits); no descriptor stays open. */
class FileRows implements FeatureRows {
  readonly inMemory = false
  constructor(
    private readonly file: string,
    private readonly rowSize: number,
    readonly count: number,
  ) {}
  gather(order: ArrayLike<number>, start: number, end: number): Float32Array {
    const rowBytes = this.rowSize * 4
    const out = new Float32Array((end - start) * this.rowSize)
    const bytes = new Uint8Array(out.buffer)
    const fd = openSync(this.file, 'r')
    try {
      // Runs of consecutive rows (evaluation reads in order) are one read each.
      for (let i = start; i < end;) {
        let j = i + 1
        while (j < end && order[j]! === order[j - 1]! + 1) j++
        const length = (j - i) * rowBytes
        const read = readSync(fd, bytes, (i - start) * rowBytes, length, order[i]! * rowBytes)
        if (read !== length)
          throw new Error(`${this.file}: short read (${read} of ${length} bytes); the feature cache is damaged`)
        i = j
      }
    } finally {
      closeSync(fd)
    }
    return out
  }
}

export function featureKey(parts: FeatureKeyParts): string {
  const h = createHash('sha256')
  h.update(
    JSON.stringify({ v: 1, d: parts.datasetHash, b: parts.baseSha256, s: parts.inputSize, c: parts.cutLayer, p: parts.pooled }),
  )
  for (const name of SPLITS) {
    h.update(name)
    h.update(new Uint8Array(parts.splits[name].buffer, parts.splits[name].byteOffset, parts.splits[name].byteLength))
  }
  return h.digest('hex').slice(0, 32)
}

export function featuresRoot(dataDir: string): string {
  return join(dataDir, 'features')
}

async function readRows(file: string, expected: number): Promise<Float32Array> {
  const buf = await readFile(file)
  // Copy into an aligned buffer: a Buffer may sit at any offset of Node's pool.
  const out = new Float32Array(expected)
  new Uint8Array(out.buffer).set(buf)
  return out
}

/**
 * The splits of a stored cache, as many held in memory (train first: every epoch reads it) as fit in
 * `memoryLimitBytes`, the rest read from disk per batch. Null when a file is missing or of the wrong size.
 */
async function openSet(
  dir: string,
  key: string,
  rowShape: number[],
  counts: Record<FeatureSplitName, number>,
  memoryLimitBytes: number,
  hit: boolean,
): Promise<FeatureSet | null> {
  const rowSize = rowShape.reduce((a, b) => a * b, 1)
  const rows = {} as Record<FeatureSplitName, FeatureRows>
  let memoryBytes = 0
  let diskBytes = 0
  for (const name of SPLITS) {
    const file = join(dir, `${name}.f32`)
    const bytes = counts[name] * rowSize * 4
    if (!existsSync(file) || statSync(file).size !== bytes) return null
    if (memoryBytes + bytes <= memoryLimitBytes) {
      rows[name] = new MemoryRows(await readRows(file, counts[name] * rowSize), rowSize)
      memoryBytes += bytes
    } else {
      rows[name] = new FileRows(file, rowSize, counts[name])
      diskBytes += bytes
    }
  }
  return { key, dir, rowShape, rows, hit, memoryBytes, diskBytes }
}

export async function loadFeatures(
  dataDir: string,
  parts: FeatureKeyParts,
  memoryLimitBytes = Number.POSITIVE_INFINITY,
): Promise<FeatureSet | null> {
  const key = featureKey(parts)
  const dir = join(featuresRoot(dataDir), key)
  const metaFile = join(dir, 'meta.json')
  if (!existsSync(metaFile)) return null
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(metaFile, 'utf8'))
  } catch {
    return null
  }
  const meta = FeatureMeta.safeParse(raw)
  if (!meta.success || meta.data.key !== key) return null
  for (const name of SPLITS) if (meta.data.counts[name] !== parts.splits[name].length) return null
  return openSet(dir, key, meta.data.rowShape, meta.data.counts, memoryLimitBytes, true)
}

export interface ComputeFeaturesOptions {
  dataDir: string
  parts: FeatureKeyParts
  featureExtractor: tf.LayersModel
  sources: Record<FeatureSplitName, PixelSplit>
  batchSize: number
  /** Most bytes of rows held in memory; splits beyond it are read from disk per batch (default: no bound). */
  memoryLimitBytes?: number
  onProgress?(done: number, total: number): void
  isCancelled?(): boolean
}

export class FeatureCacheCancelled extends Error {
  constructor() {
    super('feature extraction cancelled')
  }
}

/**
 * Loads the cached features, or computes them with the frozen base (inference mode) and stores them.
 * Computed rows go to their file batch by batch, so computing holds one batch, not the whole cache.
 */
export async function loadOrComputeFeatures(o: ComputeFeaturesOptions): Promise<FeatureSet> {
  const limit = o.memoryLimitBytes ?? Number.POSITIVE_INFINITY
  const cached = await loadFeatures(o.dataDir, o.parts, limit)
  if (cached) return cached
  const key = featureKey(o.parts)
  const dir = join(featuresRoot(o.dataDir), key)
  const outShape = o.featureExtractor.outputs[0]!.shape.slice(1) as number[]
  const rowShape = o.parts.pooled ? [outShape[outShape.length - 1]!] : outShape
  const counts = { train: o.sources.train.count, validation: o.sources.validation.count, test: o.sources.test.count }
  const tmp = `${dir}.tmp-${process.pid}`
  await rm(tmp, { recursive: true, force: true })
  try {
    await mkdir(tmp, { recursive: true })
    await writeRows(o, tmp)
    const meta: z.infer<typeof FeatureMeta> = {
      format: 'cifar-workbench-features',
      version: 1,
      key,
      rowShape,
      counts,
      parts: {
        datasetHash: o.parts.datasetHash,
        baseSha256: o.parts.baseSha256,
        inputSize: o.parts.inputSize,
        cutLayer: o.parts.cutLayer,
        pooled: o.parts.pooled,
      },
    }
    await writeFile(join(tmp, 'meta.json'), JSON.stringify(meta))
    await rm(dir, { recursive: true, force: true })
    await mkdir(featuresRoot(o.dataDir), { recursive: true })
    await rename(tmp, dir)
  } catch (error) {
    // Cancelled, or a full disk: no half-written cache stays behind to take the space.
    await rm(tmp, { recursive: true, force: true })
    throw error
  }
  const set = await openSet(dir, key, rowShape, counts, limit, false)
  if (!set) throw new Error(`feature cache ${dir} was changed while it was written`)
  return set
}

/** Runs every split through the extractor and appends each batch's rows to `<split>.f32`. */
async function writeRows(o: ComputeFeaturesOptions, tmp: string): Promise<void> {
  const total = SPLITS.reduce((s, n) => s + o.sources[n].count, 0)
  let done = 0
  for (const name of SPLITS) {
    const source = o.sources[name]
    const order = Int32Array.from({ length: source.count }, (_, i) => i)
    const fd = openSync(join(tmp, `${name}.f32`), 'w')
    try {
      for (const [start, end] of batchRanges(source.count, o.batchSize)) {
        if (o.isCancelled?.()) throw new FeatureCacheCancelled()
        const features = tf.tidy(() => {
          const x = source.input(order, start, end)
          const f = o.featureExtractor.apply(x, { training: false }) as tf.Tensor
          return o.parts.pooled ? tf.mean(f, [1, 2]) : f
        })
        let values: Float32Array
        try {
          values = (await readValues(features)) as Float32Array
        } finally {
          features.dispose()
        }
        writeSync(fd, new Uint8Array(values.buffer, values.byteOffset, values.byteLength))
        done += end - start
        o.onProgress?.(done, total)
        // Let the worker's message port breathe between batches.
        await new Promise((r) => setImmediate(r))
      }
    } finally {
      closeSync(fd)
    }
  }
}

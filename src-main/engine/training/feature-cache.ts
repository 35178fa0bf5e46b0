import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { readValues } from '../backend/read'
import * as tf from '../tf'
import { batchRanges } from './batches'
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

export interface FeatureSet {
  key: string
  dir: string
  rowShape: number[]
  rows: Record<FeatureSplitName, Float32Array>
  /** True when the features came from the cache rather than being computed now. */
  hit: boolean
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

async function readRows(file: string, expected: number): Promise<Float32Array | null> {
  if (!existsSync(file)) return null
  const buf = await readFile(file)
  if (buf.byteLength !== expected * 4) return null
  // Copy into an aligned buffer: a Buffer may sit at any offset of Node's pool.
  const out = new Float32Array(expected)
  new Uint8Array(out.buffer).set(buf)
  return out
}

export async function loadFeatures(dataDir: string, parts: FeatureKeyParts): Promise<FeatureSet | null> {
  const key = featureKey(parts)
  const dir = join(featuresRoot(dataDir), key)
  const metaFile = join(dir, 'meta.json')
  if (!existsSync(metaFile)) return null
  const meta = FeatureMeta.safeParse(JSON.parse(await readFile(metaFile, 'utf8')))
  if (!meta.success || meta.data.key !== key) return null
  const rowSize = meta.data.rowShape.reduce((a, b) => a * b, 1)
  const rows = {} as Record<FeatureSplitName, Float32Array>
  for (const name of SPLITS) {
    if (meta.data.counts[name] !== parts.splits[name].length) return null
    const r = await readRows(join(dir, `${name}.f32`), meta.data.counts[name] * rowSize)
    if (!r) return null
    rows[name] = r
  }
  return { key, dir, rowShape: meta.data.rowShape, rows, hit: true }
}

export interface ComputeFeaturesOptions {
  dataDir: string
  parts: FeatureKeyParts
  featureExtractor: tf.LayersModel
  sources: Record<FeatureSplitName, PixelSplit>
  batchSize: number
  onProgress?(done: number, total: number): void
  isCancelled?(): boolean
}

export class FeatureCacheCancelled extends Error {
  constructor() {
    super('feature extraction cancelled')
  }
}

/** Loads the cached features, or computes them with the frozen base (inference mode) and stores them. */
export async function loadOrComputeFeatures(o: ComputeFeaturesOptions): Promise<FeatureSet> {
  const cached = await loadFeatures(o.dataDir, o.parts)
  if (cached) return cached
  const key = featureKey(o.parts)
  const dir = join(featuresRoot(o.dataDir), key)
  const outShape = o.featureExtractor.outputs[0]!.shape.slice(1) as number[]
  const rowShape = o.parts.pooled ? [outShape[outShape.length - 1]!] : outShape
  const rowSize = rowShape.reduce((a, b) => a * b, 1)
  const total = SPLITS.reduce((s, n) => s + o.sources[n].count, 0)
  let done = 0
  const rows = {} as Record<FeatureSplitName, Float32Array>
  for (const name of SPLITS) {
    const source = o.sources[name]
    const out = new Float32Array(source.count * rowSize)
    const order = Int32Array.from({ length: source.count }, (_, i) => i)
    for (const [start, end] of batchRanges(source.count, o.batchSize)) {
      if (o.isCancelled?.()) throw new FeatureCacheCancelled()
      const features = tf.tidy(() => {
        const x = source.input(order, start, end)
        const f = o.featureExtractor.apply(x, { training: false }) as tf.Tensor
        return o.parts.pooled ? tf.mean(f, [1, 2]) : f
      })
      try {
        out.set(await readValues(features), start * rowSize)
      } finally {
        features.dispose()
      }
      done += end - start
      o.onProgress?.(done, total)
      // Let the worker's message port breathe between batches.
      await new Promise((r) => setImmediate(r))
    }
    rows[name] = out
  }
  const tmp = `${dir}.tmp-${process.pid}`
  await rm(tmp, { recursive: true, force: true })
  await mkdir(tmp, { recursive: true })
  for (const name of SPLITS) await writeFile(join(tmp, `${name}.f32`), new Uint8Array(rows[name].buffer))
  const meta: z.infer<typeof FeatureMeta> = {
    format: 'cifar-workbench-features',
    version: 1,
    key,
    rowShape,
    counts: {
      train: rows.train.length / rowSize,
      validation: rows.validation.length / rowSize,
      test: rows.test.length / rowSize,
    },
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
  return { key, dir, rowShape, rows, hit: false }
}

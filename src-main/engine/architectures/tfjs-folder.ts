import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import * as tf from '../tf'

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, int16: 2 }

const WeightSpec = z.object({
  name: z.string(),
  shape: z.array(z.number().int().min(0)),
  dtype: z.string(),
  quantization: z.object({ dtype: z.string() }).passthrough().optional(),
})
const ModelJson = z.object({
  format: z.string().optional(),
  modelTopology: z.record(z.string(), z.unknown()),
  weightsManifest: z.array(z.object({ paths: z.array(z.string().min(1)), weights: z.array(WeightSpec) })),
  userDefinedMetadata: z.record(z.string(), z.unknown()).optional(),
})
export type ModelJson = z.infer<typeof ModelJson>

/** A validated tfjs LayersModel folder: the parsed model.json and its shard files, in order. */
export interface TfjsFolder {
  dir: string
  json: ModelJson
  shards: string[]
  /** Expected total weight bytes (sum of the specs). */
  weightBytes: number
  layerNames: string[]
}

function specBytes(spec: z.infer<typeof WeightSpec>): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype
  const bytes = DTYPE_BYTES[dtype]
  if (bytes === undefined) throw new Error(`weight ${spec.name} has unsupported dtype ${dtype}`)
  return spec.shape.reduce((a, b) => a * b, 1) * bytes
}

/**
 * Read and check a tfjs LayersModel folder without loading it: model.json parses and is a layers
 * model, every shard exists, and the shards together are exactly as large as the weight specs say.
 */
export async function inspectTfjsFolder(dir: string): Promise<TfjsFolder> {
  const file = join(dir, 'model.json')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new Error(`${file}: not found (a TensorFlow.js LayersModel folder holds model.json and its weight shards)`)
  }
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch (error) {
    throw new Error(`${file}: invalid JSON (${(error as Error).message})`, { cause: error })
  }
  const parsed = ModelJson.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`${file}: not a TensorFlow.js model.json (${issue?.path.join('.') || 'root'}: ${issue?.message})`)
  }
  const json = parsed.data
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new Error(`${file}: format is "${json.format}", expected "layers-model" (graph models cannot be used as a base)`)
  }
  const topology = json.modelTopology as { config?: { layers?: Array<{ name?: unknown }> } }
  const layers = topology.config?.layers
  if (!Array.isArray(layers) || layers.length === 0) throw new Error(`${file}: modelTopology.config.layers is missing or empty`)
  const layerNames = layers.map((l) => String(l.name))

  const shards: string[] = []
  let weightBytes = 0
  let shardBytes = 0
  for (const group of json.weightsManifest) {
    for (const spec of group.weights) weightBytes += specBytes(spec)
    for (const p of group.paths) {
      const shard = join(dir, p)
      const info = await stat(shard).catch(() => null)
      if (!info?.isFile()) throw new Error(`${shard}: weight shard listed in model.json is missing`)
      shards.push(shard)
      shardBytes += info.size
    }
  }
  if (shardBytes !== weightBytes) {
    throw new Error(
      `${dir}: weight shards hold ${shardBytes} bytes but model.json describes ${weightBytes} bytes (truncated or wrong shard?)`,
    )
  }
  return { dir, json, shards, weightBytes, layerNames }
}

/** Load a tfjs LayersModel folder with an in-memory IOHandler (no tfjs-node needed). */
export async function loadTfjsFolder(dir: string): Promise<tf.LayersModel> {
  const folder = await inspectTfjsFolder(dir)
  const buffers = await Promise.all(folder.shards.map((s) => readFile(s)))
  const joined = new Uint8Array(folder.weightBytes)
  let offset = 0
  for (const b of buffers) {
    joined.set(b, offset)
    offset += b.byteLength
  }
  const weightSpecs = folder.json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[]
  const handler = tf.io.fromMemory({
    modelTopology: folder.json.modelTopology,
    weightSpecs,
    weightData: joined.buffer,
    format: 'layers-model',
  })
  try {
    return await tf.loadLayersModel(handler)
  } catch (error) {
    throw new Error(`${dir}: cannot build the model from model.json (${(error as Error).message})`, { cause: error })
  }
}

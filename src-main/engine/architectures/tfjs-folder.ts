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
  checkLayerSizes(layers, file)
  checkLayerGraph(layers, file)

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

/** Config fields that size a layer's weights or outputs; the largest real value in any base is far below the bound. */
const SIZE_FIELDS = new Set([
  'filters',
  'units',
  'kernel_size',
  'pool_size',
  'strides',
  'dilation_rate',
  'depth_multiplier',
  'padding',
  'size',
  'cropping',
  'target_shape',
  'batch_input_shape',
  'input_dim',
  'output_dim',
])
const MAX_SIZE = 1 << 16

/**
 * Refuses absurd layer sizes before tfjs builds anything: a model.json declaring a Dense of 2^31 units
 * would otherwise allocate and initialise gigabytes on the calling thread before the weights are read.
 */
function checkLayerSizes(layers: Array<{ name?: unknown; config?: unknown }>, file: string): void {
  const bad = (value: unknown): boolean => {
    if (value === null || typeof value === 'string') return false
    if (typeof value === 'number') return !Number.isInteger(value) || value < 0 || value > MAX_SIZE
    if (Array.isArray(value)) return value.some(bad)
    return typeof value !== 'boolean'
  }
  for (const layer of layers) {
    const config = layer.config
    if (config === null || typeof config !== 'object') continue
    for (const [field, value] of Object.entries(config)) {
      if (SIZE_FIELDS.has(field) && bad(value)) {
        throw new Error(
          `${file}: layer "${String(layer.name)}" has ${field} ${JSON.stringify(value).slice(0, 60)}, not a layer size (integers 0 to ${MAX_SIZE})`,
        )
      }
    }
  }
}

/** One inbound tensor: [layer name, node index, tensor index, kwargs?]. */
const InboundTensor = z.tuple([z.string().min(1), z.number().int().min(0), z.number().int().min(0)]).rest(z.unknown())
const InboundNodes = z.array(z.array(InboundTensor).min(1))

/**
 * Every layer's inputs are well-formed and name earlier layers: tfjs rebuilds the graph by waiting for
 * each layer's inputs, and an empty or dangling input list makes it wait forever.
 */
function checkLayerGraph(layers: Array<{ name?: unknown; inbound_nodes?: unknown }>, file: string): void {
  const seen = new Set<string>()
  for (const layer of layers) {
    const name = String(layer.name)
    if (layer.inbound_nodes !== undefined) {
      const nodes = InboundNodes.safeParse(layer.inbound_nodes)
      if (!nodes.success)
        throw new Error(`${file}: layer "${name}" has malformed inbound_nodes (each input must be [layer, node, tensor])`)
      for (const tensor of nodes.data.flat()) {
        if (!seen.has(tensor[0]))
          throw new Error(`${file}: layer "${name}" takes its input from "${tensor[0]}", which is not an earlier layer`)
      }
    }
    seen.add(name)
  }
}

/** Every initializer replaced by zeros: the weights are read from the shards right after, so random draws are wasted work. */
function withZeroInitializers(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withZeroInitializers)
  if (node === null || typeof node !== 'object') return node
  return Object.fromEntries(
    Object.entries(node).map(([k, v]) => [
      k,
      k.endsWith('_initializer') && v !== null ? { class_name: 'Zeros', config: {} } : withZeroInitializers(v),
    ]),
  )
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
    modelTopology: withZeroInitializers(folder.json.modelTopology) as object,
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

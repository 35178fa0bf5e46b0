import { open } from 'node:fs/promises'
import h5wasm from 'h5wasm/node'
import * as tf from '../../tf'

export type KerasLayout = 'keras2' | 'keras3'

export interface H5Weight {
  name: string
  shape: number[]
  values: Float32Array
}

/** Weights of a Keras .h5 file, grouped by layer name, in each layer's weight order. */
export interface KerasWeightFile {
  file: string
  layout: KerasLayout
  layers: Map<string, H5Weight[]>
}

type H5Group = InstanceType<typeof h5wasm.Group>
type H5Dataset = InstanceType<typeof h5wasm.Dataset>

let ready: Promise<unknown> | null = null
async function h5(): Promise<typeof h5wasm> {
  ready ??= h5wasm.ready
  await ready
  return h5wasm
}

function isGroup(entity: unknown): entity is H5Group {
  return entity instanceof h5wasm.Group
}
function isDataset(entity: unknown): entity is H5Dataset {
  return entity instanceof h5wasm.Dataset
}

function readDataset(dataset: H5Dataset, label: string): H5Weight {
  const value = dataset.value
  const shape = dataset.shape ?? []
  let values: Float32Array
  if (value instanceof Float32Array) values = value
  else if (value instanceof Float64Array) values = Float32Array.from(value)
  // Integer weights (a Normalization layer's int64 sample count) are read as floats too.
  else if (value instanceof BigInt64Array || value instanceof BigUint64Array) values = Float32Array.from(value, Number)
  else if (typeof value === 'bigint') values = Float32Array.of(Number(value))
  else if (typeof value === 'number') values = Float32Array.of(value)
  else if (ArrayBuffer.isView(value) && !(value instanceof DataView)) values = Float32Array.from(value as Int32Array)
  else throw new Error(`${label}: expected a float array, got dtype ${JSON.stringify(dataset.dtype)}`)
  return { name: label, shape: [...shape], values }
}

function stringList(value: unknown): string[] {
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.map((v) => String(v))
  return []
}

/** Keras 2 (`save_weights` / applications files): root attr layer_names, per-layer attr weight_names. */
function readKeras2(root: H5Group, file: string): Map<string, H5Weight[]> {
  const layers = new Map<string, H5Weight[]>()
  const layerNames = stringList(root.get_attribute('layer_names', true))
  for (const layerName of layerNames) {
    const group = root.get(layerName)
    if (!isGroup(group)) throw new Error(`${file}: layer_names lists "${layerName}" but the file has no such group`)
    const weightNames = group.attrs['weight_names'] ? stringList(group.get_attribute('weight_names', true)) : []
    const weights = weightNames.map((weightName) => {
      const dataset = group.get(weightName)
      if (!isDataset(dataset)) throw new Error(`${file}: layer "${layerName}" lists weight "${weightName}" but it is missing`)
      return readDataset(dataset, weightName)
    })
    layers.set(layerName, weights)
  }
  return layers
}

/** Keras 3 (`.weights.h5`): layers/<name>/vars/0, 1, … */
function readKeras3(layersGroup: H5Group): Map<string, H5Weight[]> {
  const layers = new Map<string, H5Weight[]>()
  for (const layerName of layersGroup.keys()) {
    const vars = layersGroup.get(`${layerName}/vars`)
    if (!isGroup(vars)) continue
    const indices = vars
      .keys()
      .filter((k) => /^\d+$/.test(k))
      .map(Number)
      .sort((a, b) => a - b)
    const weights: H5Weight[] = []
    for (const i of indices) {
      const dataset = vars.get(String(i))
      if (isDataset(dataset)) weights.push(readDataset(dataset, `${layerName}/vars/${i}`))
    }
    layers.set(layerName, weights)
  }
  return layers
}

const HDF5_SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a])

/** HDF5's superblock signature sits at 0, 512, 1024, 2048… (after an optional user block). */
async function checkSignature(file: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>>
  try {
    handle = await open(file, 'r')
  } catch (error) {
    throw new Error(`${file}: cannot open (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      cause: error,
    })
  }
  try {
    const buffer = Buffer.alloc(8)
    for (let offset = 0; offset <= 8192; offset = offset === 0 ? 512 : offset * 2) {
      const { bytesRead } = await handle.read(buffer, 0, 8, offset)
      if (bytesRead < 8) break
      if (buffer.equals(HDF5_SIGNATURE)) return
    }
  } finally {
    await handle.close()
  }
  throw new Error(`${file}: not a readable HDF5 file (no HDF5 signature)`)
}

/** Read every layer's weights from a Keras 2 or Keras 3 .h5 file. */
export async function readKerasWeights(file: string): Promise<KerasWeightFile> {
  await checkSignature(file)
  const lib = await h5()
  let h5file: InstanceType<typeof lib.File>
  try {
    h5file = new lib.File(file, 'r')
  } catch (error) {
    throw new Error(`${file}: not a readable HDF5 file (${(error as Error).message})`, { cause: error })
  }
  try {
    // Full-model saves (model.save) keep the weights under model_weights.
    const nested = h5file.get('model_weights')
    const root: H5Group = isGroup(nested) ? nested : h5file
    if (root.attrs['layer_names']) return { file, layout: 'keras2', layers: readKeras2(root, file) }
    const layersGroup = h5file.get('layers')
    if (isGroup(layersGroup)) return { file, layout: 'keras3', layers: readKeras3(layersGroup) }
    throw new Error(
      `${file}: not a Keras weights file (no "layer_names" attribute as in Keras 2, no "layers" group as in Keras 3)`,
    )
  } finally {
    h5file.close()
  }
}

const fmt = (shape: ReadonlyArray<number | null>) => `[${shape.join(', ')}]`

/** A tfjs layer standing in for a Keras layer tfjs lacks: Keras' class, and how its stored weights become the layer's. */
export interface StandIn {
  kerasClass: string
  adapt: (stored: H5Weight[], file: string) => H5Weight[]
}

/** Keras' `naming.to_snake_case`. */
function toSnakeCase(name: string): string {
  return name
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase()
}

/**
 * The names Keras 3's `save_weights` gives the model's layers in a .weights.h5: not the layer names
 * but the class name in snake case with a per-class counter, in `model.layers` order (conv2d,
 * conv2d_1, …). tfjs orders a functional model's layers as Keras does (by depth, then traversal),
 * so the same architecture gets the same names.
 */
function keras3Names(model: tf.LayersModel, standIns: Record<string, StandIn>): Map<tf.layers.Layer, string> {
  const used = new Map<string, number>()
  const names = new Map<tf.layers.Layer, string>()
  for (const layer of model.layers) {
    const base = toSnakeCase(standIns[layer.name]?.kerasClass ?? layer.getClassName())
    const count = used.get(base)
    used.set(base, count === undefined ? 0 : count + 1)
    names.set(layer, count === undefined ? base : `${base}_${count + 1}`)
  }
  return names
}

/**
 * The stored weights of every model layer that has weights: by layer name, or (a Keras 3
 * .weights.h5 whose groups are not the layer names) by Keras 3's saved names. Every weight is
 * checked for count and shape; an error names the layer.
 */
function planAssignment(
  model: tf.LayersModel,
  weights: KerasWeightFile,
  standIns: Record<string, StandIn>,
): Array<[tf.layers.Layer, H5Weight[]]> {
  const weighted = model.layers.filter((l) => l.weights.length > 0)
  // A Keras 3 file written by hand may use layer names; which naming it uses is the one that finds more layers.
  let saved: Map<tf.layers.Layer, string> | null = null
  if (weights.layout === 'keras3') {
    const names = keras3Names(model, standIns)
    const found = (key: (l: tf.layers.Layer) => string) => weighted.filter((l) => weights.layers.has(key(l))).length
    if (found((l) => names.get(l)!) > found((l) => l.name)) saved = names
  }
  return weighted.map((layer) => {
    const key = saved ? saved.get(layer)! : layer.name
    const label = saved ? `"${layer.name}" (saved as "${key}")` : `"${layer.name}"`
    const found = weights.layers.get(key)
    if (!found) throw new Error(`${weights.file}: layer ${label} is missing from the file (${weights.layout} layout)`)
    const standIn = standIns[layer.name]
    const stored = standIn ? standIn.adapt(found, weights.file) : found
    if (stored.length !== layer.weights.length) {
      throw new Error(
        `${weights.file}: layer ${label} has ${stored.length} weights in the file but the model expects ${layer.weights.length}`,
      )
    }
    layer.weights.forEach((w, i) => {
      const s = stored[i]!
      const same = s.shape.length === w.shape.length && s.shape.every((d, k) => d === w.shape[k])
      if (!same) {
        throw new Error(
          `${weights.file}: layer ${label} weight ${i} (${s.name}) has shape ${fmt(s.shape)} in the file but the model expects ${fmt(w.shape)}`,
        )
      }
    })
    return [layer, stored]
  })
}

/** Whether the file holds exactly this architecture's weights (every layer found with its shapes). */
export function fitsKerasWeights(
  model: tf.LayersModel,
  weights: KerasWeightFile,
  standIns: Record<string, StandIn> = {},
): boolean {
  try {
    planAssignment(model, weights, standIns)
    return true
  } catch {
    return false
  }
}

/**
 * Set a model's weights from a Keras file BY LAYER NAME (like Keras' `load_weights(by_name=True)`):
 * every model layer with weights must be in the file with the same number and shapes of weights;
 * extra layers in the file are ignored. Everything is checked before anything is assigned.
 */
export function assignKerasWeights(
  model: tf.LayersModel,
  weights: KerasWeightFile,
  standIns: Record<string, StandIn> = {},
): void {
  const plan = planAssignment(model, weights, standIns)
  for (const [layer, stored] of plan) {
    const tensors = stored.map((s) => tf.tensor(s.values, s.shape, 'float32'))
    layer.setWeights(tensors)
    tf.dispose(tensors)
  }
}

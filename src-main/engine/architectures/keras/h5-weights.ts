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

/**
 * Set a model's weights from a Keras file BY LAYER NAME (like Keras' `load_weights(by_name=True)`):
 * every model layer with weights must be in the file with the same number and shapes of weights;
 * extra layers in the file are ignored. Everything is checked before anything is assigned.
 */
export function assignKerasWeights(model: tf.LayersModel, weights: KerasWeightFile): void {
  const plan: Array<[tf.layers.Layer, H5Weight[]]> = []
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue
    const stored = weights.layers.get(layer.name)
    if (!stored) {
      throw new Error(`${weights.file}: layer "${layer.name}" is missing from the file (${weights.layout} layout)`)
    }
    if (stored.length !== layer.weights.length) {
      throw new Error(
        `${weights.file}: layer "${layer.name}" has ${stored.length} weights in the file but the model expects ${layer.weights.length}`,
      )
    }
    layer.weights.forEach((w, i) => {
      const s = stored[i]!
      const same = s.shape.length === w.shape.length && s.shape.every((d, k) => d === w.shape[k])
      if (!same) {
        throw new Error(
          `${weights.file}: layer "${layer.name}" weight ${i} (${s.name}) has shape ${fmt(s.shape)} in the file but the model expects ${fmt(w.shape)}`,
        )
      }
    })
    plan.push([layer, stored])
  }
  for (const [layer, stored] of plan) {
    const tensors = stored.map((s) => tf.tensor(s.values, s.shape, 'float32'))
    layer.setWeights(tensors)
    tf.dispose(tensors)
  }
}

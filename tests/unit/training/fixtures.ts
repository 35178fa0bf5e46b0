import { mkdirSync, writeFileSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import jpeg from 'jpeg-js'
import * as tar from 'tar'
import * as tf from '../../../src-main/engine/tf'
import { sharedPath } from '../../support/shared-data'
import { CLASS_NAMES, PIXELS, writeCifarBinary } from '../data/fixtures'

export { CLASS_NAMES }
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..')

export interface Subset {
  images: Uint8Array
  labels: Uint8Array
  count: number
}

// ---------------------------------------------------------------- generated data (runs everywhere)

/** RGB of each class: far enough apart that a small network tells them apart within a few epochs. */
const PALETTE: Array<[number, number, number]> = [
  [200, 40, 40],
  [40, 200, 40],
  [40, 40, 200],
  [200, 200, 40],
  [200, 40, 200],
  [40, 200, 200],
  [120, 120, 120],
  [230, 140, 40],
  [60, 20, 120],
  [140, 230, 140],
]

/**
 * A 32×32 NHWC image of class `label`: the class colour, a stripe pattern whose direction and period
 * depend on the class, and per-image noise (seeded by `seed`), so no two images are equal.
 */
export function classImage(label: number, seed: number, out: Uint8Array = new Uint8Array(PIXELS), offset = 0): Uint8Array {
  let s = (seed * 2654435761 + label * 40503 + 1) >>> 0
  const period = 2 + (label % 4)
  const vertical = label % 2 === 0
  for (let r = 0; r < 32; r++) {
    for (let c = 0; c < 32; c++) {
      const stripe = Math.floor((vertical ? c : r) / period) % 2 === 0 ? 35 : -35
      for (let ch = 0; ch < 3; ch++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0
        const noise = ((s >>> 24) % 61) - 30
        out[offset + (r * 32 + c) * 3 + ch] = Math.max(0, Math.min(255, PALETTE[label]![ch]! + stripe + noise))
      }
    }
  }
  return out
}

/** `perClass[split]` generated images of every class, in class order (the layout of the real subset). */
export function syntheticCifar(perClass: { train: number; test: number }): { train: Subset; test: Subset } {
  const make = (n: number, salt: number): Subset => {
    const count = n * 10
    const images = new Uint8Array(count * PIXELS)
    const labels = new Uint8Array(count)
    for (let i = 0; i < count; i++) {
      labels[i] = Math.floor(i / n)
      classImage(labels[i]!, salt + i, images, i * PIXELS)
    }
    return { images, labels, count }
  }
  return { train: make(perClass.train, 0), test: make(perClass.test, 100_000) }
}

/**
 * A CIFAR-10 binary release (`cifar-10-batches-bin/`) of generated, learnable images: the data
 * fixtures' writer with every record's pixels replaced by an image of its own label. `perBatch`
 * records in each of the 5 train batches and the test batch.
 */
export function writeSyntheticCifar(root: string, perBatch: number): string {
  return writeCifarBinary(root, perBatch, (name, bytes) => {
    if (!name.endsWith('.bin')) return bytes
    const out = Buffer.from(bytes)
    const salt = name === 'test_batch.bin' ? 100_000 : Number(/(\d)\.bin$/.exec(name)![1]) * 10_000
    const nhwc = new Uint8Array(PIXELS)
    for (let i = 0; i < perBatch; i++) {
      const record = i * (PIXELS + 1)
      classImage(out[record]!, salt + i, nhwc)
      // The binary layout is planar: the R plane, then G, then B.
      for (let p = 0; p < 1024; p++) for (let ch = 0; ch < 3; ch++) out[record + 1 + ch * 1024 + p] = nhwc[p * 3 + ch]!
    }
    return out
  })
}

/**
 * A small convolutional base named the way MobileNetV2 is: a stride-2 stem, two residual blocks
 * (expand → relu → project, added to the block's input), one block without a residual, and
 * head_conv → head_relu. Seeded, so two writes give the same weights.
 */
export function tinyBase(seed = 1): tf.LayersModel {
  let k = 0
  const conv = (name: string, filters: number, kernelSize: number, strides = 1) =>
    tf.layers.conv2d({
      name,
      filters,
      kernelSize,
      strides,
      padding: 'same',
      kernelInitializer: tf.initializers.heNormal({ seed: seed + k++ }),
    })
  const relu = (name: string) => tf.layers.reLU({ name })
  const input = tf.input({ shape: [null, null, 3], name: 'input' })
  const stem = relu('stem_relu').apply(conv('stem_conv', 8, 3, 2).apply(input)) as tf.SymbolicTensor
  let x = stem
  for (const block of [1, 2]) {
    const expanded = relu(`block_${block}_relu`).apply(conv(`block_${block}_expand`, 16, 1).apply(x)) as tf.SymbolicTensor
    const projected = conv(`block_${block}_project`, 8, 1).apply(expanded) as tf.SymbolicTensor
    x = tf.layers.add({ name: `block_${block}_add` }).apply([x, projected]) as tf.SymbolicTensor
  }
  const b3 = relu('block_3_relu').apply(conv('block_3_expand', 16, 3, 2).apply(x)) as tf.SymbolicTensor
  const projected = conv('block_3_project', 16, 1).apply(b3) as tf.SymbolicTensor
  const head = relu('head_relu').apply(conv('head_conv', 32, 1).apply(projected)) as tf.SymbolicTensor
  return tf.model({ inputs: input, outputs: head, name: 'tiny_base' })
}

/** Writes `model` as a TensorFlow.js LayersModel folder (model.json + one weight shard); returns the folder. */
export async function writeLayersModel(model: tf.LayersModel, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true })
  await model.save(
    tf.io.withSaveHandler((artifacts) => {
      const data = artifacts.weightData ?? []
      writeFileSync(join(dir, 'weights.bin'), Buffer.concat((Array.isArray(data) ? data : [data]).map((b) => Buffer.from(b))))
      const json = {
        format: 'layers-model',
        generatedBy: 'cifar-workbench tests',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      }
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json))
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' as const } })
    }),
  )
  return dir
}

// ---------------------------------------------------------------- real data (second tier: ../shared)

/** Real CIFAR-10 JPEGs and the tfjs MobileNetV2 in the shared folder. */
export const CIFAR_ARCHIVE = 'data/cifar10-jpg.tar.gz'
export const MOBILENET = 'models/mobilenetv2-imagenet'
export const mobilenetDir = sharedPath(MOBILENET)

interface Entry {
  split: 'train' | 'test'
  label: number
  index: number
  path: string
  bytes: Buffer
}

/** The first `perClass[split]` JPEGs of every class, raw, in class then file order. */
export async function readJpegEntries(perClass: { train: number; test: number }): Promise<Entry[]> {
  const entries: Entry[] = []
  await tar.t({
    file: sharedPath(CIFAR_ARCHIVE),
    onReadEntry: (entry) => {
      const m = /^cifar10-jpg\/(train|test)\/([a-z]+)\/(\d+)\.jpg$/.exec(entry.path)
      const label = m ? CLASS_NAMES.indexOf(m[2]!) : -1
      if (!m || label < 0 || Number(m[3]) >= perClass[m[1] as 'train' | 'test']) {
        entry.resume()
        return
      }
      const chunks: Buffer[] = []
      entry.on('data', (c: Buffer) => chunks.push(c))
      entry.on('end', () =>
        entries.push({
          split: m[1] as 'train' | 'test',
          label,
          index: Number(m[3]),
          path: entry.path,
          bytes: Buffer.concat(chunks),
        }),
      )
    },
  })
  entries.sort((a, b) => a.split.localeCompare(b.split) || a.label - b.label || a.index - b.index)
  return entries
}

function decode(entries: Entry[]): Subset {
  const images = new Uint8Array(entries.length * 32 * 32 * 3)
  const labels = new Uint8Array(entries.length)
  entries.forEach((e, i) => {
    const { data, width, height } = jpeg.decode(e.bytes, { useTArray: true, formatAsRGBA: true })
    if (width !== 32 || height !== 32) throw new Error(`${e.path}: ${width}x${height}, expected 32x32`)
    for (let p = 0; p < 32 * 32; p++) {
      images[i * 3072 + p * 3] = data[p * 4]!
      images[i * 3072 + p * 3 + 1] = data[p * 4 + 1]!
      images[i * 3072 + p * 3 + 2] = data[p * 4 + 2]!
    }
    labels[i] = e.label
  })
  return { images, labels, count: entries.length }
}

/** Decoded uint8 NHWC arrays of a real CIFAR-10 subset. */
export async function loadCifarSubset(perClass: { train: number; test: number }): Promise<{ train: Subset; test: Subset }> {
  const entries = await readJpegEntries(perClass)
  return { train: decode(entries.filter((e) => e.split === 'train')), test: decode(entries.filter((e) => e.split === 'test')) }
}

/** Writes the subset as an image-folder tree `<dir>/{train,test}/<class>/NNNN.jpg` (for the importer). */
export async function writeImageFolder(dir: string, perClass: { train: number; test: number }): Promise<string> {
  for (const e of await readJpegEntries(perClass)) {
    const file = join(dir, e.path.replace(/^cifar10-jpg\//, ''))
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, e.bytes)
  }
  return dir
}

import { copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Preprocessing } from '@shared/domain/model'
import { CAFFE_MEAN_BGR, IMAGENET_MEAN, IMAGENET_STD } from '../../data/preprocess'
import type * as tf from '../tf'
import { exportLayersModel } from '../evaluation/export-model'
import { KERAS_FORMAT_VERSION, kerasModelConfig, writeKerasWeights } from './keras'
import { readModelGraph } from './model-graph'
import { exportOnnx, ONNX_OPSET } from './onnx'
import { writeZip } from './zip'

export type { ModelFormat } from '@shared/contract/inference-methods'
import type { ModelFormat } from '@shared/contract/inference-methods'

/** What an exported model needs to be fed correctly: written into every export. */
export interface ExportDescription {
  runId: string
  runName: string
  classNames: string[]
  preprocessing: Preprocessing
  /** Side of the dataset's images the run trained on (32 for CIFAR-10). */
  imageSize: number
  /** Side of the model's input (the images are resized to it after scaling). */
  inputSize: number
  appVersion: string
}

export interface ExportResult {
  format: ModelFormat
  dir: string
  files: Array<{ name: string; sizeBytes: number }>
}

/** The scaling a preprocessing mode applies, in words a reader of README.txt can follow. */
export function describePreprocessing(mode: Preprocessing): string {
  switch (mode) {
    case 'unit':
      return 'RGB channel order; every value x (0..255) becomes x / 255 (range 0..1).'
    case 'raw':
      return 'RGB channel order; values stay 0..255 (the model rescales and normalises them itself).'
    case 'minus-one-one':
      return 'RGB channel order; every value x (0..255) becomes x / 127.5 - 1 (range -1..1).'
    case 'imagenet-mean-std':
      return `RGB channel order; each channel becomes (x / 255 - mean) / std with mean [${IMAGENET_MEAN.join(', ')}] and std [${IMAGENET_STD.join(', ')}].`
    case 'caffe':
      return `BGR channel order (swap R and B); each channel loses its mean on the 0..255 scale: B - ${CAFFE_MEAN_BGR[0]}, G - ${CAFFE_MEAN_BGR[1]}, R - ${CAFFE_MEAN_BGR[2]}.`
  }
}

/** The machine-readable description (export.json, ONNX metadata_props). */
export function exportMetadata(d: ExportDescription, format: ModelFormat): Record<string, unknown> {
  return {
    format,
    producer: `cifar-workbench ${d.appVersion}`,
    runId: d.runId,
    runName: d.runName,
    input: { name: 'input', shape: [null, d.inputSize, d.inputSize, 3], layout: 'NHWC', dtype: 'float32' },
    output: { shape: [null, d.classNames.length], meaning: 'class probabilities (softmax), in classNames order' },
    preprocessing: {
      mode: d.preprocessing,
      description: describePreprocessing(d.preprocessing),
      trainedImageSize: d.imageSize,
      resize:
        d.inputSize === d.imageSize
          ? 'none: images are fed at their size'
          : `images of ${d.imageSize}x${d.imageSize} were scaled, then resized bilinearly to ${d.inputSize}x${d.inputSize} (tf.image.resizeBilinear, no half-pixel centres)`,
    },
    classNames: d.classNames,
  }
}

function readme(d: ExportDescription, format: ModelFormat): string {
  const load = {
    tfjs: "tf.loadLayersModel('file://…/model.json') (TensorFlow.js), or tensorflowjs_converter to other formats.",
    keras:
      "keras.saving.load_model('model.keras') (Keras 3, any backend). The same weights alone: model.weights.h5,\n" +
      'for a model built from the same architecture (model.load_weights).',
    onnx: `onnxruntime.InferenceSession('model.onnx') (opset ${ONNX_OPSET}); input "input", one output of probabilities.`,
  }[format]
  const resize =
    d.inputSize === d.imageSize
      ? `Resize an image to ${d.imageSize}x${d.imageSize} (bilinear), then scale it as above.`
      : `Resize an image to ${d.imageSize}x${d.imageSize} (bilinear, the size the run trained on), scale it as above,\nthen resize it bilinearly to ${d.inputSize}x${d.inputSize}: that is how every training and test image reached the model.`
  return [
    `Model of run "${d.runName}" (${d.runId}), exported by cifar-workbench ${d.appVersion} as ${format}.`,
    '',
    `Load: ${load}`,
    '',
    'Input: float32 tensor "input" of shape [batch, ' +
      `${d.inputSize}, ${d.inputSize}, 3] (NHWC, channels last), already preprocessed:`,
    'the preprocessing is NOT inside the model.',
    `  ${describePreprocessing(d.preprocessing)}`,
    `  ${resize}`,
    '',
    `Output: [batch, ${d.classNames.length}] class probabilities (softmax) in this order:`,
    `  ${d.classNames.map((c, i) => `${i} ${c}`).join(', ')}`,
    '',
    'export.json holds the same in machine-readable form.',
    '',
  ].join('\n')
}

async function sizes(dir: string, names: string[]): Promise<ExportResult['files']> {
  return Promise.all(names.map(async (name) => ({ name, sizeBytes: (await readFile(join(dir, name))).byteLength })))
}

/** An existing, non-empty `out` is replaced only when it is an earlier export (it has export.json). */
async function refuseForeignFolder(out: string): Promise<void> {
  const info = await stat(out).catch(() => null)
  if (!info) return
  if (!info.isDirectory()) throw new Error(`${out} exists and is a file; give a new or empty folder for the export`)
  const entries = await readdir(out)
  if (entries.length > 0 && !entries.includes('export.json')) {
    throw new Error(`${out} is a folder with other files in it; give a new or empty folder (an earlier export is replaced)`)
  }
}

/**
 * Exports a trained model (`model`, as the run saved it) into the folder `out` as TensorFlow.js,
 * Keras 3 (`model.keras` + `model.weights.h5`) or ONNX, with README.txt and export.json saying how
 * to feed it. Written into a sibling temporary folder and renamed into place, so a failed export
 * leaves no half-written folder.
 */
export async function exportModel(
  model: tf.LayersModel,
  format: ModelFormat,
  out: string,
  d: ExportDescription,
): Promise<ExportResult> {
  await refuseForeignFolder(out)
  const tmp = `${out}.tmp-${process.pid}`
  await rm(tmp, { recursive: true, force: true })
  await mkdir(tmp, { recursive: true })
  try {
    let names: string[]
    if (format === 'tfjs') {
      const saved = await exportLayersModel(model, join(tmp, 'tfjs'))
      for (const name of ['model.json', 'weights.bin']) await copyFile(join(saved.dir, name), join(tmp, name))
      await rm(saved.dir, { recursive: true, force: true })
      names = ['model.json', 'weights.bin']
    } else {
      const graph = readModelGraph(model)
      if (format === 'keras') {
        const weightsFile = join(tmp, 'model.weights.h5')
        await writeKerasWeights(weightsFile, graph)
        const weights = new Uint8Array(await readFile(weightsFile))
        const encoder = new TextEncoder()
        const archive = writeZip([
          {
            name: 'metadata.json',
            data: encoder.encode(JSON.stringify({ keras_version: KERAS_FORMAT_VERSION, date_saved: new Date().toISOString() })),
          },
          { name: 'config.json', data: encoder.encode(JSON.stringify(kerasModelConfig(graph))) },
          { name: 'model.weights.h5', data: weights },
        ])
        await writeFile(join(tmp, 'model.keras'), archive)
        names = ['model.keras', 'model.weights.h5']
      } else {
        const metadata = Object.fromEntries(
          Object.entries(exportMetadata(d, format)).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
        )
        const bytes = exportOnnx(graph, { producerVersion: d.appVersion, metadata, docString: readme(d, format) })
        await writeFile(join(tmp, 'model.onnx'), bytes)
        names = ['model.onnx']
      }
    }
    await writeFile(join(tmp, 'README.txt'), readme(d, format))
    await writeFile(join(tmp, 'export.json'), `${JSON.stringify(exportMetadata(d, format), null, 2)}\n`)
    names.push('README.txt', 'export.json')
    await rm(out, { recursive: true, force: true })
    await rename(tmp, out)
    return { format, dir: out, files: await sizes(out, names) }
  } catch (error) {
    await rm(tmp, { recursive: true, force: true })
    throw error
  }
}

import { readFile } from 'node:fs/promises'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { ExplainResult } from '@shared/contract/inference-methods'
import { loadDatasetFromCache } from '../../data'
import { featureMapLayers, gradCam } from '../evaluation/grad-cam'
import * as tf from '../tf'
import { decodeAnyImage, prepareImage, type InputRecipe } from './prepare-image'
import { preprocessPixels } from '../../data/preprocess'
import { resizeBilinear, type RgbImage } from '../../data/sources/decode-image'

export type ExplainSource =
  { datasetIndex: number; dataDir: string; dataset: DatasetInfo } | { path: string } | { name: string; bytes: Uint8Array }

/** A file's bytes, or why it cannot be read (named by its path). */
async function fileBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new Error(`${path}: ${code === 'ENOENT' ? 'file not found' : (error as Error).message}`, { cause: error })
  }
}

/** The image at the dataset's size, RGB bytes, and its label when it comes from the test split. */
async function loadImage(source: ExplainSource, recipe: InputRecipe): Promise<{ rgb: RgbImage; label: number | null }> {
  if ('path' in source || 'bytes' in source) {
    const label = 'path' in source ? source.path : source.name
    const bytes = 'path' in source ? await fileBytes(source.path) : source.bytes
    const decoded = await decodeAnyImage(bytes).catch((error: unknown) => {
      throw new Error(`${label}: ${(error as Error).message}`, { cause: error })
    })
    const side = recipe.imageSize
    const pixels = new Uint8Array(side * side * 3)
    resizeBilinear(decoded, side, pixels, 0)
    return { rgb: { width: side, height: side, data: pixels }, label: null }
  }
  const data = await loadDatasetFromCache(source.dataDir, source.dataset)
  const { count, images, labels } = data.test
  if (source.datasetIndex >= count)
    throw new Error(
      `test image ${source.datasetIndex} does not exist: the dataset's test split has ${count} images (0..${count - 1})`,
    )
  const { height, width } = source.dataset.imageSize
  const size = height * width * 3
  const pixels = images.slice(source.datasetIndex * size, (source.datasetIndex + 1) * size)
  return { rgb: { width, height, data: pixels }, label: labels[source.datasetIndex]! }
}

/** Grad-CAM of one image with a run's model, the image prepared as the run's training images were. */
export async function explainImage(
  model: tf.LayersModel,
  source: ExplainSource,
  recipe: InputRecipe,
  classNames: string[],
  opts: { classIndex?: number; layer?: string; runId: string },
): Promise<ExplainResult> {
  const { rgb, label } = await loadImage(source, recipe)
  const values = rgb.width === recipe.imageSize ? preprocessPixels(rgb.data, recipe.preprocessing) : prepareImage(rgb, recipe)
  const input = tf.tidy(() => {
    const x = tf.tensor3d(values, [recipe.imageSize, recipe.imageSize, 3])
    return recipe.inputSize === recipe.imageSize ? x : tf.image.resizeBilinear(x, [recipe.inputSize, recipe.inputSize])
  })
  try {
    const cam = gradCam(model, input, { classIndex: opts.classIndex, layer: opts.layer, size: recipe.imageSize })
    const entry = (i: number) => ({
      classIndex: i,
      className: classNames[i]!,
      probability: Math.min(1, Math.max(0, cam.probabilities[i]!)),
    })
    return {
      runId: opts.runId,
      predicted: entry(cam.predicted),
      explained: entry(cam.classIndex),
      layer: cam.layer,
      availableLayers: featureMapLayers(model),
      layerSize: cam.layerSize,
      width: cam.width,
      height: cam.height,
      values: Array.from(cam.values),
      imageRgbBase64: Buffer.from(rgb.data).toString('base64'),
      trueClass: label === null ? null : (classNames[label] ?? null),
    }
  } finally {
    input.dispose()
  }
}

import type { ImagePrediction } from '@shared/contract/inference-methods'
import * as tf from '../tf'
import { decodeAnyImage, prepareImage, type InputRecipe } from './prepare-image'

export interface ImageInput {
  name: string
  /** The file's bytes, or why they could not be read. */
  bytes: Uint8Array | { error: string }
}

/**
 * Top-k classes of each image. Every image is decoded and prepared on its own, so a broken or
 * non-image file yields an error entry for that file only; the good ones are predicted in one batch.
 */
export async function predictImages(
  model: tf.LayersModel,
  images: ImageInput[],
  recipe: InputRecipe,
  classNames: string[],
  topK: number,
): Promise<ImagePrediction[]> {
  const results: ImagePrediction[] = []
  const ready: Array<{ at: number; values: Float32Array }> = []
  for (const image of images) {
    if (!(image.bytes instanceof Uint8Array)) {
      results.push({ name: image.name, ok: false, error: image.bytes.error })
      continue
    }
    try {
      const rgb = await decodeAnyImage(image.bytes)
      ready.push({ at: results.length, values: prepareImage(rgb, recipe) })
      results.push({ name: image.name, ok: true, width: rgb.width, height: rgb.height, top: [] })
    } catch (error) {
      results.push({ name: image.name, ok: false, error: (error as Error).message })
    }
  }
  if (ready.length === 0) return results
  const { imageSize, inputSize } = recipe
  const batch = new Float32Array(ready.length * imageSize * imageSize * 3)
  ready.forEach((r, i) => batch.set(r.values, i * r.values.length))
  const probabilities = tf.tidy(() => {
    const x = tf.tensor4d(batch, [ready.length, imageSize, imageSize, 3])
    const input = inputSize === imageSize ? x : tf.image.resizeBilinear(x, [inputSize, inputSize])
    return model.predict(input) as tf.Tensor2D
  })
  const rows = await probabilities.array()
  probabilities.dispose()
  ready.forEach((r, i) => {
    const row = rows[i]!
    if (row.length !== classNames.length)
      throw new Error(`the model gives ${row.length} outputs for ${classNames.length} classes`)
    const top = row
      .map((p, classIndex) => ({ classIndex, className: classNames[classIndex]!, probability: Math.min(1, Math.max(0, p)) }))
      .sort((a, b) => b.probability - a.probability)
      .slice(0, topK)
    const entry = results[r.at]!
    if (entry.ok) entry.top = top
  })
  return results
}

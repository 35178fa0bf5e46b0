import { createCanvas, loadImage } from '@napi-rs/canvas'
import type { Preprocessing } from '@shared/domain/model'
import { preprocessPixels } from '../../data/preprocess'
import { decodeImage, resizeBilinear, type RgbImage } from '../../data/sources/decode-image'

/** How a run's model wants its input: what every training and test image went through. */
export interface InputRecipe {
  /** Side of the dataset's images (the size a user image is brought to first). */
  imageSize: number
  /** Side of the model's input (the scaled image is then resized to it, as in training). */
  inputSize: number
  preprocessing: Preprocessing
}

const isWebp = (b: Uint8Array) =>
  b.length >= 12 &&
  b[0] === 0x52 &&
  b[1] === 0x49 &&
  b[2] === 0x46 &&
  b[3] === 0x46 &&
  b[8] === 0x57 &&
  b[9] === 0x45 &&
  b[10] === 0x42 &&
  b[11] === 0x50

/**
 * Decodes a JPEG, PNG (jpeg-js / pngjs, as dataset import does) or WebP (Skia via @napi-rs/canvas)
 * to RGB; anything else is an error naming what the file is not.
 */
export async function decodeAnyImage(bytes: Uint8Array): Promise<RgbImage> {
  if (bytes.length === 0) throw new Error('the file is empty')
  if (isWebp(bytes)) {
    let image: Awaited<ReturnType<typeof loadImage>>
    try {
      image = await loadImage(Buffer.from(bytes))
    } catch (error) {
      throw new Error(`broken WebP image (${(error as Error).message})`, { cause: error })
    }
    const canvas = createCanvas(image.width, image.height)
    const ctx = canvas.getContext('2d')
    ctx.drawImage(image, 0, 0)
    const rgba = ctx.getImageData(0, 0, image.width, image.height).data
    const rgb = new Uint8Array(image.width * image.height * 3)
    for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
      rgb[j] = rgba[i]!
      rgb[j + 1] = rgba[i + 1]!
      rgb[j + 2] = rgba[i + 2]!
    }
    return { width: image.width, height: image.height, data: rgb }
  }
  try {
    return decodeImage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
  } catch (error) {
    const message = (error as Error).message
    throw new Error(message === 'neither a JPEG nor a PNG file' ? 'not a JPEG, PNG or WebP image' : `broken image (${message})`, {
      cause: error,
    })
  }
}

/**
 * The image as the run's dataset holds its images: resized bilinearly to imageSize x imageSize
 * (the resize an image-folder import applies), then scaled by the run's preprocessing. The model
 * input is this, resized to inputSize when it differs (see predictImages).
 */
export function prepareImage(image: RgbImage, recipe: InputRecipe): Float32Array {
  const pixels = new Uint8Array(recipe.imageSize * recipe.imageSize * 3)
  resizeBilinear(image, recipe.imageSize, pixels, 0)
  return preprocessPixels(pixels, recipe.preprocessing)
}

export function describeRecipe(recipe: InputRecipe): string {
  const upscale = recipe.inputSize === recipe.imageSize ? '' : `, then to ${recipe.inputSize}x${recipe.inputSize} as in training`
  return `resized to ${recipe.imageSize}x${recipe.imageSize} (bilinear), scaled "${recipe.preprocessing}"${upscale}`
}

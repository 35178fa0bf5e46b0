import jpeg from 'jpeg-js'
import { PNG } from 'pngjs'

export interface RgbImage {
  width: number
  height: number
  /** RGB, 3 bytes per pixel, row-major. */
  data: Uint8Array
}

/** Decodes a JPEG or PNG (told apart by their signatures, not by the file name) to RGB. */
export function decodeImage(bytes: Buffer): RgbImage {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    // tolerantDecoding off: a truncated JPEG is an error, not a half-grey image.
    const img = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxResolutionInMP: 100,
      maxMemoryUsageInMB: 1024,
    })
    if (img.data.length !== img.width * img.height * 3) throw new Error('incomplete JPEG data')
    return { width: img.width, height: img.height, data: img.data }
  }
  if (bytes.length >= 8 && bytes.readUInt32BE(0) === 0x89504e47) {
    // pngjs expands palettes, grey and 16-bit to 8-bit RGBA; alpha is dropped as PIL's convert('RGB') does.
    const png = PNG.sync.read(bytes)
    const rgba = png.data
    const rgb = new Uint8Array(png.width * png.height * 3)
    for (let i = 0, j = 0; j < rgb.length; i += 4, j += 3) {
      rgb[j] = rgba[i]!
      rgb[j + 1] = rgba[i + 1]!
      rgb[j + 2] = rgba[i + 2]!
    }
    return { width: png.width, height: png.height, data: rgb }
  }
  throw new Error('neither a JPEG nor a PNG file')
}

/**
 * Bilinear resize with half-pixel centres (tf.image.resize 'bilinear', what Keras'
 * image_dataset_from_directory uses), into `dst` at `offset`.
 */
export function resizeBilinear(src: RgbImage, size: number, dst: Uint8Array, offset: number): void {
  const { width: w, height: h, data } = src
  if (w === size && h === size) {
    dst.set(data, offset)
    return
  }
  const sy = h / size
  const sx = w / size
  for (let r = 0; r < size; r++) {
    const y = Math.min(Math.max((r + 0.5) * sy - 0.5, 0), h - 1)
    const y0 = Math.floor(y)
    const y1 = Math.min(y0 + 1, h - 1)
    const fy = y - y0
    for (let c = 0; c < size; c++) {
      const x = Math.min(Math.max((c + 0.5) * sx - 0.5, 0), w - 1)
      const x0 = Math.floor(x)
      const x1 = Math.min(x0 + 1, w - 1)
      const fx = x - x0
      const a = (y0 * w + x0) * 3
      const b = (y0 * w + x1) * 3
      const cc = (y1 * w + x0) * 3
      const d = (y1 * w + x1) * 3
      const o = offset + (r * size + c) * 3
      for (let k = 0; k < 3; k++) {
        const top = data[a + k]! + (data[b + k]! - data[a + k]!) * fx
        const bottom = data[cc + k]! + (data[d + k]! - data[cc + k]!) * fx
        dst[o + k] = top + (bottom - top) * fy + 0.5
      }
    }
  }
}

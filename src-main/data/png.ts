import { PNG } from 'pngjs'

/** One RGB image out of an NHWC buffer as a PNG data URL (renders in any shell). */
export function pngDataUrl(pixels: Uint8Array, offset: number, height: number, width: number): string {
  const png = new PNG({ width, height })
  for (let i = 0, j = offset; i < width * height * 4; i += 4, j += 3) {
    png.data[i] = pixels[j]!
    png.data[i + 1] = pixels[j + 1]!
    png.data[i + 2] = pixels[j + 2]!
    png.data[i + 3] = 255
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`
}

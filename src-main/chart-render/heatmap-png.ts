import { PNG } from 'pngjs'
import { jet } from '@shared/charts/palette'
import type { ExplainResult } from '@shared/contract/inference-methods'

/** The heatmap value at a fractional position, bilinear between the map's cells. */
function sample(result: ExplainResult, x: number, y: number): number {
  const { width, height, values } = result
  const fx = Math.min(width - 1, Math.max(0, x - 0.5))
  const fy = Math.min(height - 1, Math.max(0, y - 0.5))
  const x0 = Math.floor(fx)
  const y0 = Math.floor(fy)
  const x1 = Math.min(width - 1, x0 + 1)
  const y1 = Math.min(height - 1, y0 + 1)
  const tx = fx - x0
  const ty = fy - y0
  const at = (c: number, r: number) => values[r * width + c]!
  return (at(x0, y0) * (1 - tx) + at(x1, y0) * tx) * (1 - ty) + (at(x0, y1) * (1 - tx) + at(x1, y1) * tx) * ty
}

const BAR = 16
const GAP = 6

/**
 * The image (enlarged to at least 256 px) with the heatmap blended over it in the jet colours, and
 * the colour scale beside it: 1 at the top, 0 at the bottom.
 */
export function heatmapPng(result: ExplainResult, alpha = 0.5): Buffer {
  const rgb = Buffer.from(result.imageRgbBase64, 'base64')
  const scale = Math.max(1, Math.ceil(256 / Math.max(result.width, result.height)))
  const w = result.width * scale
  const h = result.height * scale
  const png = new PNG({ width: w + GAP + BAR, height: h })
  png.data.fill(255)
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const src = (Math.floor(y / scale) * result.width + Math.floor(x / scale)) * 3
      const colour = jet(sample(result, (x + 0.5) / scale, (y + 0.5) / scale))
      const at = (y * png.width + x) * 4
      for (let ch = 0; ch < 3; ch++) png.data[at + ch] = Math.round((1 - alpha) * rgb[src + ch]! + alpha * colour[ch]!)
    }
    const colour = jet(1 - y / Math.max(1, h - 1))
    for (let x = w + GAP; x < w + GAP + BAR; x++) {
      const at = (y * png.width + x) * 4
      png.data.set(colour, at)
    }
  }
  return PNG.sync.write(png)
}

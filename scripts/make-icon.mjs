#!/usr/bin/env node
// Draws resources/icon.png (512×512): ten class tiles under a rising accuracy curve. Deterministic,
// so the committed icon can be regenerated: `node scripts/make-icon.mjs`.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import { repoRoot } from './electron-info.mjs'

const S = 512
const png = new PNG({ width: S, height: S })
const px = (x, y, [r, g, b], a = 255) => {
  if (x < 0 || y < 0 || x >= S || y >= S) return
  const i = (y * S + x) * 4
  const t = a / 255
  png.data[i] = Math.round(png.data[i] * (1 - t) + r * t)
  png.data[i + 1] = Math.round(png.data[i + 1] * (1 - t) + g * t)
  png.data[i + 2] = Math.round(png.data[i + 2] * (1 - t) + b * t)
  png.data[i + 3] = Math.max(png.data[i + 3], a)
}
// Rounded-square background.
const R = 96
for (let y = 0; y < S; y++)
  for (let x = 0; x < S; x++) {
    const dx = Math.max(R - x, x - (S - 1 - R), 0)
    const dy = Math.max(R - y, y - (S - 1 - R), 0)
    const d = Math.hypot(dx, dy)
    if (d <= R) px(x, y, [22 + (y / S) * 10, 30 + (y / S) * 14, 48 + (y / S) * 30], Math.round(255 * Math.min(1, R - d + 0.5)))
  }
// Ten tiles (the CIFAR-10 classes), 5×2.
const colors = [
  [239, 83, 80],
  [255, 167, 38],
  [255, 238, 88],
  [102, 187, 106],
  [38, 198, 218],
  [66, 165, 245],
  [126, 87, 194],
  [236, 64, 122],
  [141, 110, 99],
  [189, 189, 189],
]
colors.forEach((c, k) => {
  const x0 = 76 + (k % 5) * 74
  const y0 = 300 + Math.floor(k / 5) * 74
  for (let y = y0; y < y0 + 60; y++) for (let x = x0; x < x0 + 60; x++) px(x, y, c, 235)
})
// A rising training curve, anti-aliased by distance.
const curve = (t) => 250 - 170 * (1 - Math.exp(-4 * t))
for (let y = 40; y < 290; y++)
  for (let x = 70; x < 442; x++) {
    let best = Infinity
    for (let s = 0; s <= 200; s++) {
      const t = s / 200
      best = Math.min(best, Math.hypot(x - (76 + t * 360), y - curve(t)))
    }
    if (best < 9) px(x, y, [255, 255, 255], Math.round(255 * Math.min(1, 9 - best)))
  }
writeFileSync(join(repoRoot, 'resources', 'icon.png'), PNG.sync.write(png))
console.log('wrote resources/icon.png')

import { describe, expect, it } from 'vitest'
import { createCanvas } from '@napi-rs/canvas'
import { drawHeatmap, heatmapCellAt, heatmapLayout, type HeatmapSpec } from '@shared/charts/heatmap'
import type { Ctx2D } from '@shared/charts/ctx2d'
import { LIGHT } from '@shared/charts/palette'

const names = ['airplane', 'automobile', 'bird', 'cat']
const spec: HeatmapSpec = {
  title: 'Confusion matrix',
  matrix: names.map((_, i) => names.map((__, j) => (i === j ? 50 : i + j))),
  classNames: names,
  normalised: false,
  diverging: false,
  xLabel: 'Predicted class',
  yLabel: 'True class',
}

describe('clicking a heatmap cell', () => {
  it('finds, for the centre of every drawn cell, that cell’s true and predicted class', () => {
    for (const [width, height] of [
      [520, 420],
      [900, 300],
    ] as const) {
      const ctx = createCanvas(width, height).getContext('2d') as unknown as Ctx2D
      // Record the cells as drawn: every fillRect after the background, row by row.
      const rects: [number, number, number, number][] = []
      const fillRect = ctx.fillRect.bind(ctx)
      ctx.fillRect = (x, y, w, h) => {
        rects.push([x, y, w, h])
        fillRect(x, y, w, h)
      }
      drawHeatmap(ctx, width, height, spec, LIGHT)
      const cells = rects.slice(1)
      expect(cells).toHaveLength(names.length ** 2)
      const layout = heatmapLayout(ctx, width, height, spec, LIGHT)
      cells.forEach(([x, y, w, h], k) => {
        expect(heatmapCellAt(layout, x + w / 2, y + h / 2)).toEqual({ row: Math.floor(k / 4), col: k % 4 })
      })
      const [x0, y0] = cells[0]!
      expect(heatmapCellAt(layout, x0 - 2, y0 + 2)).toBeNull()
      expect(heatmapCellAt(layout, x0 + 2, y0 - 2)).toBeNull()
      const [xl, yl, wl, hl] = cells.at(-1)!
      expect(heatmapCellAt(layout, xl + wl + 1, yl + 1)).toBeNull()
      expect(heatmapCellAt(layout, xl + 1, yl + hl + 1)).toBeNull()
    }
  })
})

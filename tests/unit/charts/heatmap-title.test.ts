import { describe, expect, it } from 'vitest'
import { createCanvas } from '@napi-rs/canvas'
import { fitTitle } from '@shared/charts/heatmap'
import type { Ctx2D } from '@shared/charts/ctx2d'

const font = (size: number) => `bold ${size}px sans-serif`

describe('heatmap title fitting', () => {
  const ctx = createCanvas(10, 10).getContext('2d') as unknown as Ctx2D

  it('keeps a short title whole at the full 14 px', () => {
    expect(fitTitle(ctx, 'Confusion matrix', 400, font)).toBe('Confusion matrix')
    expect(ctx.font).toContain('14px')
  })

  it('shrinks, then cuts a long difference title with an ellipsis so it fits the panel', () => {
    const title = 'Confusion matrix difference (MobileNetV2 transfer, seed 7 − SqueezeNet transfer, seed 7)'
    const fitted = fitTitle(ctx, title, 300, font)
    expect(ctx.font).toContain('10px')
    expect(fitted.endsWith('…')).toBe(true)
    expect(title.startsWith(fitted.slice(0, -1).trimEnd())).toBe(true)
    expect(ctx.measureText(fitted).width).toBeLessThanOrEqual(300)
  })
})

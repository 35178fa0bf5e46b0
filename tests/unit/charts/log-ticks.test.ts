import { describe, expect, it } from 'vitest'
import { logTickLabel } from '@shared/charts/compare'

describe('log-axis tick labels', () => {
  it('labels 1, 2 and 5 × 10ⁿ compactly and hides the other steps and odd axis ends', () => {
    const ticks = [
      60_000, 70_000, 100_000, 150_000, 200_000, 300_000, 500_000, 1_000_000, 2_000_000, 4_600_000, 5_000_000, 20, 1e9,
    ]
    expect(ticks.map((t) => logTickLabel(t))).toEqual([
      null,
      null,
      '100k',
      null,
      '200k',
      null,
      '500k',
      '1M',
      '2M',
      null,
      '5M',
      '20',
      '1G',
    ])
  })
  it('survives float noise in the values chart.js generates', () => {
    expect(logTickLabel(((0.1 * 3 * 1e6) / 0.3) * 2)).toBe('2M')
    expect(logTickLabel(0)).toBeNull()
    expect(logTickLabel('500')).toBe('500')
  })
})

describe('log-axis tick labels on a short axis', () => {
  it('labels every whole mantissa when the axis spans under a decade and a half', () => {
    const ticks = [1_060_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000, 5_080_000].map((value) => ({ value }))
    expect(ticks.map((t, i) => logTickLabel(t.value, i, ticks))).toEqual([null, '2M', '3M', '4M', '5M', null])
  })
  it('keeps 1, 2, 5 on a long axis', () => {
    const ticks = [60_000, 300_000, 1_000_000, 4_600_000].map((value) => ({ value }))
    expect(ticks.map((t, i) => logTickLabel(t.value, i, ticks))).toEqual([null, null, '1M', null])
  })
})

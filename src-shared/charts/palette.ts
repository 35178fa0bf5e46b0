/**
 * Okabe–Ito: eight colours distinguishable under the common colour-vision deficiencies.
 * Black is swapped for a neutral grey so it stays visible on the dark theme.
 */
export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#7F7F7F'] as const

/** Dash patterns that extend the palette past eight series and double-encode identity. */
export const DASHES: readonly number[][] = [[], [6, 3], [2, 2], [8, 3, 2, 3]]

export interface ChartTheme {
  name: 'light' | 'dark'
  background: string
  text: string
  muted: string
  grid: string
  fontFamily: string
}

export const LIGHT: ChartTheme = {
  name: 'light',
  background: '#ffffff',
  text: '#1b1d21',
  muted: '#5b6270',
  grid: 'rgba(0,0,0,0.10)',
  fontFamily: "'DejaVu Sans', system-ui, sans-serif",
}
export const DARK: ChartTheme = {
  name: 'dark',
  background: '#1e2126',
  text: '#e8eaed',
  muted: '#a1a8b3',
  grid: 'rgba(255,255,255,0.12)',
  fontFamily: "'DejaVu Sans', system-ui, sans-serif",
}

export function themeOf(name: 'light' | 'dark'): ChartTheme {
  return name === 'dark' ? DARK : LIGHT
}

/** Stable colour for the i-th run of a comparison (same index → same colour everywhere). */
export function seriesColor(index: number): string {
  return OKABE_ITO[index % OKABE_ITO.length]!
}

export function seriesDash(index: number): number[] {
  return DASHES[Math.floor(index / OKABE_ITO.length) % DASHES.length]!
}

/** `#RRGGBB` + alpha → rgba(), for faint raw points and bands. */
export function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16)
  return `rgba(${(n >> 16) & 255},${(n >> 8) & 255},${n & 255},${alpha})`
}

/** The jet colour map (blue, cyan, yellow, red) of a value in [0, 1]: Grad-CAM heatmaps in the app and the CLI. */
export function jet(v: number): [number, number, number] {
  const c = (x: number) => Math.round(255 * Math.min(1, Math.max(0, x)))
  return [c(1.5 - Math.abs(4 * v - 3)), c(1.5 - Math.abs(4 * v - 2)), c(1.5 - Math.abs(4 * v - 1))]
}

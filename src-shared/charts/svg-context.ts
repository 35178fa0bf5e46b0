/**
 * A recording 2D context that writes SVG instead of pixels: chart.js (and the heatmap) draw on it
 * exactly as on a canvas, so the SVG export is the same figure as the PNG. Covers what chart.js 4
 * uses: paths (lines, arcs, béziers, rects), fills/strokes with dashes and alpha, transforms,
 * clipping and text. Text is measured by a real canvas context passed in (fonts differ per host).
 */

type Matrix = [number, number, number, number, number, number]

interface State {
  fillStyle: string
  strokeStyle: string
  lineWidth: number
  lineCap: string
  lineJoin: string
  miterLimit: number
  font: string
  textAlign: string
  textBaseline: string
  globalAlpha: number
  lineDash: number[]
  lineDashOffset: number
  transform: Matrix
  clipId: string | null
}

export type MeasureText = (font: string, text: string) => number

const IDENTITY: Matrix = [1, 0, 0, 1, 0, 0]
const TAU = Math.PI * 2

function multiply(m: Matrix, n: Matrix): Matrix {
  return [
    m[0] * n[0] + m[2] * n[1],
    m[1] * n[0] + m[3] * n[1],
    m[0] * n[2] + m[2] * n[3],
    m[1] * n[2] + m[3] * n[3],
    m[0] * n[4] + m[2] * n[5] + m[4],
    m[1] * n[4] + m[3] * n[5] + m[5],
  ]
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')
}

const r = (v: number) => (Number.isFinite(v) ? Math.round(v * 100) / 100 : 0)

const BASELINE: Record<string, string> = {
  top: 'text-before-edge',
  hanging: 'hanging',
  middle: 'central',
  alphabetic: 'alphabetic',
  ideographic: 'ideographic',
  bottom: 'text-after-edge',
}

type PathOp = [
  name: 'moveTo' | 'lineTo' | 'closePath' | 'bezierCurveTo' | 'quadraticCurveTo' | 'rect' | 'arc' | 'ellipse',
  args: number[],
]

/**
 * Stand-in for Path2D while a chart is recorded as SVG: chart.js builds line paths as Path2D objects
 * where the host has them (browsers), and a real Path2D cannot be read back. This one records its
 * commands so the SVG context can replay them under the transform current at stroke/fill time.
 */
export class RecordingPath2D {
  readonly ops: PathOp[] = []
  moveTo(...a: number[]): void {
    this.ops.push(['moveTo', a])
  }
  lineTo(...a: number[]): void {
    this.ops.push(['lineTo', a])
  }
  closePath(): void {
    this.ops.push(['closePath', []])
  }
  bezierCurveTo(...a: number[]): void {
    this.ops.push(['bezierCurveTo', a])
  }
  quadraticCurveTo(...a: number[]): void {
    this.ops.push(['quadraticCurveTo', a])
  }
  rect(...a: number[]): void {
    this.ops.push(['rect', a])
  }
  arc(...a: number[]): void {
    this.ops.push(['arc', a])
  }
  ellipse(...a: number[]): void {
    this.ops.push(['ellipse', a])
  }
  addPath(other: RecordingPath2D): void {
    this.ops.push(...other.ops)
  }
}

/** Runs `draw` with globalThis.Path2D swapped for the recording one (restored afterwards). */
export function withRecordingPath2D<T>(draw: () => T): T {
  const g = globalThis as { Path2D?: unknown }
  const had = Object.prototype.hasOwnProperty.call(g, 'Path2D')
  const previous = g.Path2D
  g.Path2D = RecordingPath2D
  try {
    return draw()
  } finally {
    if (had) g.Path2D = previous
    else delete g.Path2D
  }
}

export class SvgContext {
  /** chart.js reads the canvas through the context; this stand-in carries the size. */
  readonly canvas: { width: number; height: number; style: Record<string, string>; getContext: () => SvgContext }
  private state: State
  private readonly stack: State[] = []
  private parts: string[] = []
  private readonly defs: string[] = []
  private path: string[] = []
  private current: [number, number] | null = null
  private subpathStart: [number, number] | null = null
  private clipCount = 0

  constructor(
    width: number,
    height: number,
    private readonly measure: MeasureText,
    private readonly idPrefix = 'c',
  ) {
    this.canvas = { width, height, style: {}, getContext: () => this }
    this.state = {
      fillStyle: '#000000',
      strokeStyle: '#000000',
      lineWidth: 1,
      lineCap: 'butt',
      lineJoin: 'miter',
      miterLimit: 10,
      font: '10px sans-serif',
      textAlign: 'start',
      textBaseline: 'alphabetic',
      globalAlpha: 1,
      lineDash: [],
      lineDashOffset: 0,
      transform: [...IDENTITY],
      clipId: null,
    }
  }

  // ------------------------------------------------------------------ state properties
  get fillStyle(): string {
    return this.state.fillStyle
  }
  set fillStyle(v: unknown) {
    if (typeof v === 'string') this.state.fillStyle = v
  }
  get strokeStyle(): string {
    return this.state.strokeStyle
  }
  set strokeStyle(v: unknown) {
    if (typeof v === 'string') this.state.strokeStyle = v
  }
  get lineWidth(): number {
    return this.state.lineWidth
  }
  set lineWidth(v: number) {
    if (Number.isFinite(v) && v > 0) this.state.lineWidth = v
  }
  get lineCap(): string {
    return this.state.lineCap
  }
  set lineCap(v: string) {
    this.state.lineCap = v
  }
  get lineJoin(): string {
    return this.state.lineJoin
  }
  set lineJoin(v: string) {
    this.state.lineJoin = v
  }
  get miterLimit(): number {
    return this.state.miterLimit
  }
  set miterLimit(v: number) {
    this.state.miterLimit = v
  }
  get font(): string {
    return this.state.font
  }
  set font(v: string) {
    this.state.font = v
  }
  get textAlign(): string {
    return this.state.textAlign
  }
  set textAlign(v: string) {
    this.state.textAlign = v
  }
  get textBaseline(): string {
    return this.state.textBaseline
  }
  set textBaseline(v: string) {
    this.state.textBaseline = v
  }
  get globalAlpha(): number {
    return this.state.globalAlpha
  }
  set globalAlpha(v: number) {
    if (Number.isFinite(v)) this.state.globalAlpha = Math.min(1, Math.max(0, v))
  }
  get lineDashOffset(): number {
    return this.state.lineDashOffset
  }
  set lineDashOffset(v: number) {
    this.state.lineDashOffset = v
  }
  // Accepted and ignored: no SVG equivalent needed for chart output.
  globalCompositeOperation = 'source-over'
  shadowBlur = 0
  shadowColor = 'rgba(0,0,0,0)'
  shadowOffsetX = 0
  shadowOffsetY = 0
  imageSmoothingEnabled = true
  direction = 'ltr'

  save(): void {
    this.stack.push({ ...this.state, lineDash: [...this.state.lineDash], transform: [...this.state.transform] as Matrix })
  }
  restore(): void {
    const prev = this.stack.pop()
    if (prev) this.state = prev
  }
  setLineDash(segments: number[]): void {
    this.state.lineDash = segments.filter((s) => Number.isFinite(s) && s >= 0)
  }
  getLineDash(): number[] {
    return [...this.state.lineDash]
  }

  // ------------------------------------------------------------------ transforms
  private apply(n: Matrix): void {
    this.state.transform = multiply(this.state.transform, n)
  }
  translate(x: number, y: number): void {
    this.apply([1, 0, 0, 1, x, y])
  }
  scale(x: number, y: number): void {
    this.apply([x, 0, 0, y, 0, 0])
  }
  rotate(a: number): void {
    this.apply([Math.cos(a), Math.sin(a), -Math.sin(a), Math.cos(a), 0, 0])
  }
  transform(a: number, b: number, c: number, d: number, e: number, f: number): void {
    this.apply([a, b, c, d, e, f])
  }
  setTransform(
    a: number | { a: number; b: number; c: number; d: number; e: number; f: number } = 1,
    b = 0,
    c = 0,
    d = 1,
    e = 0,
    f = 0,
  ): void {
    this.state.transform = typeof a === 'object' ? [a.a, a.b, a.c, a.d, a.e, a.f] : [a, b, c, d, e, f]
  }
  resetTransform(): void {
    this.state.transform = [...IDENTITY]
  }
  getTransform(): { a: number; b: number; c: number; d: number; e: number; f: number } {
    const [a, b, c, d, e, f] = this.state.transform
    return { a, b, c, d, e, f }
  }
  private pt(x: number, y: number): [number, number] {
    const m = this.state.transform
    return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]]
  }
  private scaleFactor(): number {
    const m = this.state.transform
    return Math.sqrt(Math.abs(m[0] * m[3] - m[1] * m[2])) || 1
  }

  // ------------------------------------------------------------------ paths
  beginPath(): void {
    this.path = []
    this.current = null
    this.subpathStart = null
  }
  moveTo(x: number, y: number): void {
    const p = this.pt(x, y)
    this.path.push(`M${r(p[0])} ${r(p[1])}`)
    this.current = p
    this.subpathStart = p
  }
  lineTo(x: number, y: number): void {
    if (!this.current) return this.moveTo(x, y)
    const p = this.pt(x, y)
    this.path.push(`L${r(p[0])} ${r(p[1])}`)
    this.current = p
  }
  closePath(): void {
    if (this.path.length) this.path.push('Z')
    this.current = this.subpathStart
  }
  bezierCurveTo(c1x: number, c1y: number, c2x: number, c2y: number, x: number, y: number): void {
    if (!this.current) this.moveTo(c1x, c1y)
    const a = this.pt(c1x, c1y)
    const b = this.pt(c2x, c2y)
    const p = this.pt(x, y)
    this.path.push(`C${r(a[0])} ${r(a[1])} ${r(b[0])} ${r(b[1])} ${r(p[0])} ${r(p[1])}`)
    this.current = p
  }
  quadraticCurveTo(cx: number, cy: number, x: number, y: number): void {
    if (!this.current) this.moveTo(cx, cy)
    const a = this.pt(cx, cy)
    const p = this.pt(x, y)
    this.path.push(`Q${r(a[0])} ${r(a[1])} ${r(p[0])} ${r(p[1])}`)
    this.current = p
  }
  rect(x: number, y: number, w: number, h: number): void {
    this.moveTo(x, y)
    this.lineTo(x + w, y)
    this.lineTo(x + w, y + h)
    this.lineTo(x, y + h)
    this.closePath()
  }
  roundRect(x: number, y: number, w: number, h: number): void {
    this.rect(x, y, w, h)
  }
  arc(cx: number, cy: number, radius: number, start: number, end: number, ccw = false): void {
    this.ellipse(cx, cy, radius, radius, 0, start, end, ccw)
  }
  ellipse(cx: number, cy: number, rx: number, ry: number, rotation: number, start: number, end: number, ccw = false): void {
    let delta = ccw ? start - end : end - start
    const full = delta >= TAU
    delta = full ? TAU : ((delta % TAU) + TAU) % TAU
    const dir = ccw ? -1 : 1
    const at = (a: number): [number, number] => {
      const x = rx * Math.cos(a)
      const y = ry * Math.sin(a)
      return this.pt(cx + x * Math.cos(rotation) - y * Math.sin(rotation), cy + x * Math.sin(rotation) + y * Math.cos(rotation))
    }
    const s = at(start)
    if (this.current) this.path.push(`L${r(s[0])} ${r(s[1])}`)
    else {
      this.path.push(`M${r(s[0])} ${r(s[1])}`)
      this.subpathStart = s
    }
    this.current = s
    if (delta === 0) return
    const k = this.scaleFactor()
    const m = this.state.transform
    const flipped = m[0] * m[3] - m[1] * m[2] < 0
    // Pieces of at most half a turn so the SVG arc flags stay unambiguous.
    const pieces = Math.ceil(delta / Math.PI)
    const rot = (rotation * 180) / Math.PI
    for (let i = 1; i <= pieces; i++) {
      const p = at(start + (dir * delta * i) / pieces)
      const sweep = dir > 0 !== flipped ? 1 : 0
      this.path.push(`A${r(rx * k)} ${r(ry * k)} ${r(rot)} 0 ${sweep} ${r(p[0])} ${r(p[1])}`)
      this.current = p
    }
  }

  // ------------------------------------------------------------------ painting
  private alphaAttr(): string {
    return this.state.globalAlpha < 1 ? ` opacity="${r(this.state.globalAlpha)}"` : ''
  }
  private clipAttr(): string {
    return this.state.clipId ? ` clip-path="url(#${this.state.clipId})"` : ''
  }
  private wrapClipped(element: string): void {
    this.parts.push(this.state.clipId ? `<g${this.clipAttr()}>${element}</g>` : element)
  }
  private strokeAttrs(): string {
    const k = this.scaleFactor()
    const s = this.state
    const dash = s.lineDash.length
      ? ` stroke-dasharray="${s.lineDash.map((d) => r(d * k)).join(' ')}" stroke-dashoffset="${r(s.lineDashOffset * k)}"`
      : ''
    return ` fill="none" stroke="${escapeXml(s.strokeStyle)}" stroke-width="${r(s.lineWidth * k)}" stroke-linecap="${s.lineCap}" stroke-linejoin="${s.lineJoin}"${dash}`
  }
  /** Replays a recorded Path2D as the current path (canvas semantics: transformed at paint time). */
  private usePath(path: unknown): void {
    if (!(path instanceof RecordingPath2D)) return
    this.beginPath()
    for (const [name, args] of path.ops) (this[name] as (...a: number[]) => void).apply(this, args)
  }
  fill(pathOrRule?: unknown, maybeRule?: 'nonzero' | 'evenodd'): void {
    const rule = typeof pathOrRule === 'string' ? (pathOrRule as 'nonzero' | 'evenodd') : maybeRule
    if (pathOrRule instanceof RecordingPath2D) {
      const saved = [this.path, this.current, this.subpathStart] as const
      this.usePath(pathOrRule)
      this.fillCurrent(rule)
      ;[this.path, this.current, this.subpathStart] = saved as unknown as [
        string[],
        [number, number] | null,
        [number, number] | null,
      ]
      return
    }
    this.fillCurrent(rule)
  }
  private fillCurrent(rule?: 'nonzero' | 'evenodd'): void {
    if (!this.path.length) return
    const fr = rule === 'evenodd' ? ' fill-rule="evenodd"' : ''
    this.parts.push(
      `<path d="${this.path.join('')}" fill="${escapeXml(this.state.fillStyle)}"${fr}${this.alphaAttr()}${this.clipAttr()}/>`,
    )
  }
  stroke(path?: unknown): void {
    if (path instanceof RecordingPath2D) {
      const saved = [this.path, this.current, this.subpathStart] as const
      this.usePath(path)
      this.strokeCurrent()
      ;[this.path, this.current, this.subpathStart] = saved as unknown as [
        string[],
        [number, number] | null,
        [number, number] | null,
      ]
      return
    }
    this.strokeCurrent()
  }
  private strokeCurrent(): void {
    if (!this.path.length) return
    this.parts.push(`<path d="${this.path.join('')}"${this.strokeAttrs()}${this.alphaAttr()}${this.clipAttr()}/>`)
  }
  clip(): void {
    const id = `${this.idPrefix}${++this.clipCount}`
    const parent = this.state.clipId ? ` clip-path="url(#${this.state.clipId})"` : ''
    this.defs.push(`<clipPath id="${id}"${parent}><path d="${this.path.join('') || 'M0 0'}"/></clipPath>`)
    this.state.clipId = id
  }
  private rectPath(x: number, y: number, w: number, h: number): string {
    const ps = [this.pt(x, y), this.pt(x + w, y), this.pt(x + w, y + h), this.pt(x, y + h)]
    return `M${ps.map((p) => `${r(p[0])} ${r(p[1])}`).join('L')}Z`
  }
  fillRect(x: number, y: number, w: number, h: number): void {
    this.parts.push(
      `<path d="${this.rectPath(x, y, w, h)}" fill="${escapeXml(this.state.fillStyle)}"${this.alphaAttr()}${this.clipAttr()}/>`,
    )
  }
  strokeRect(x: number, y: number, w: number, h: number): void {
    this.parts.push(`<path d="${this.rectPath(x, y, w, h)}"${this.strokeAttrs()}${this.alphaAttr()}${this.clipAttr()}/>`)
  }
  clearRect(x: number, y: number, w: number, h: number): void {
    const [x0, y0] = this.pt(x, y)
    const [x1, y1] = this.pt(x + w, y + h)
    // A full clear (chart.js clears before each draw) drops what was recorded; partial clears are not needed.
    if (x0 <= 0 && y0 <= 0 && x1 >= this.canvas.width && y1 >= this.canvas.height) this.parts = []
  }

  // ------------------------------------------------------------------ text
  measureText(text: string): {
    width: number
    actualBoundingBoxAscent: number
    actualBoundingBoxDescent: number
    actualBoundingBoxLeft: number
    actualBoundingBoxRight: number
  } {
    const width = this.measure(this.state.font, text)
    const size = Number(/(\d+(?:\.\d+)?)px/.exec(this.state.font)?.[1] ?? 10)
    return {
      width,
      actualBoundingBoxAscent: size * 0.8,
      actualBoundingBoxDescent: size * 0.2,
      actualBoundingBoxLeft: 0,
      actualBoundingBoxRight: width,
    }
  }
  private text(text: string, x: number, y: number, paint: string): void {
    const s = this.state
    const anchor = s.textAlign === 'center' ? 'middle' : s.textAlign === 'right' || s.textAlign === 'end' ? 'end' : 'start'
    const m = s.transform
    const baseline = BASELINE[s.textBaseline] ?? 'alphabetic'
    // clip-path on a transformed element would be read in its transformed space: clip a wrapper.
    this.wrapClipped(
      `<text x="${r(x)}" y="${r(y)}" transform="matrix(${m.map(r).join(' ')})" style="font: ${escapeXml(s.font)}; white-space: pre" text-anchor="${anchor}" dominant-baseline="${baseline}" ${paint}${this.alphaAttr()}>${escapeXml(text)}</text>`,
    )
  }
  fillText(text: string, x: number, y: number): void {
    this.text(String(text), x, y, `fill="${escapeXml(this.state.fillStyle)}"`)
  }
  strokeText(text: string, x: number, y: number): void {
    this.text(
      String(text),
      x,
      y,
      `fill="none" stroke="${escapeXml(this.state.strokeStyle)}" stroke-width="${r(this.state.lineWidth)}"`,
    )
  }

  // ------------------------------------------------------------------ images
  drawImage(image: unknown, ...args: number[]): void {
    const source = image as { toDataURL?: (type?: string) => string; width?: number; height?: number }
    if (typeof source.toDataURL !== 'function') return
    const [x = 0, y = 0, w = source.width ?? 0, h = source.height ?? 0] = args.length >= 8 ? args.slice(4) : args
    const m = this.state.transform
    this.wrapClipped(
      `<image x="${r(x)}" y="${r(y)}" width="${r(w)}" height="${r(h)}" transform="matrix(${m.map(r).join(' ')})" href="${source.toDataURL('image/png')}"/>`,
    )
  }
  createLinearGradient(): { addColorStop(): void } {
    return { addColorStop() {} }
  }
  isPointInPath(): boolean {
    return false
  }

  /** The recorded drawing as SVG markup (inner content only). */
  body(): string {
    return `${this.defs.length ? `<defs>${this.defs.join('')}</defs>` : ''}${this.parts.join('')}`
  }

  /** A standalone SVG document. */
  toSvg(): string {
    const { width, height } = this.canvas
    return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${this.body()}</svg>\n`
  }
}

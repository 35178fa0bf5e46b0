/**
 * The part of CanvasRenderingContext2D this module draws with. It is satisfied by the browser's
 * context, @napi-rs/canvas in Node and the SVG-recording context, so one drawing routine serves all.
 */
export interface Ctx2D {
  fillStyle: unknown
  strokeStyle: unknown
  lineWidth: number
  font: string
  textAlign: string
  textBaseline: string
  globalAlpha: number
  save(): void
  restore(): void
  translate(x: number, y: number): void
  rotate(angle: number): void
  scale(x: number, y: number): void
  setTransform(a: number, b: number, c: number, d: number, e: number, f: number): void
  beginPath(): void
  moveTo(x: number, y: number): void
  lineTo(x: number, y: number): void
  closePath(): void
  stroke(): void
  fill(): void
  rect(x: number, y: number, w: number, h: number): void
  fillRect(x: number, y: number, w: number, h: number): void
  strokeRect(x: number, y: number, w: number, h: number): void
  fillText(text: string, x: number, y: number, maxWidth?: number): void
  measureText(text: string): { width: number }
  setLineDash(segments: number[]): void
}

/** A canvas-like object: a browser canvas, an @napi-rs/canvas Canvas, or the SVG recorder's stand-in. */
export interface CanvasLike {
  width: number
  height: number
  getContext(type: '2d'): unknown
}

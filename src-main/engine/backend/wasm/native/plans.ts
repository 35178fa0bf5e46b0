// Plans for the native kernels: tensor shapes and tfjs attributes turned into the few plain integers
// the C functions take (loop nests of at most four axes, with axes merged where the memory layout
// allows it).

/** batch, h, w, c, ho, wo, kh, kw, sh, sw, dh, dw, top, left of a depthwise convolution. */
export type DepthwiseDims = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
]

/**
 * A strided copy as the native kernel's four-axis loop nest: steps, input strides, output strides
 * (in elements), and the input element the copy starts from.
 */
export interface TransposeLoops {
  n: [number, number, number, number]
  xs: [number, number, number, number]
  ys: [number, number, number, number]
  start: number
}

function loops(axes: { n: number; xs: number; ys: number }[], start: number): TransposeLoops {
  while (axes.length < 4) axes.unshift({ n: 1, xs: 0, ys: 0 })
  return {
    n: axes.map((a) => a.n) as TransposeLoops['n'],
    xs: axes.map((a) => a.xs) as TransposeLoops['xs'],
    ys: axes.map((a) => a.ys) as TransposeLoops['ys'],
    start,
  }
}

function rowMajorStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1)
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!
  return strides
}

/**
 * Plans `transpose(x, perm)` for the native kernel: axes of size 1 are dropped and input axes that
 * stay neighbours in the output are merged (an NHWC -> CHWN transpose is a 3-axis [N, HW, C] ->
 * [C, HW, N] one). The innermost loop is the output's contiguous axis; unless it is also the
 * input's, the input's contiguous axis comes just outside it, so the kernel can tile those two.
 * Null when more than four axes remain.
 */
export function planTranspose(shape: readonly number[], perm: readonly number[]): TransposeLoops | null {
  const index = new Map<number, number>()
  shape.forEach((size, axis) => {
    if (size !== 1) index.set(axis, index.size)
  })
  const sizes = shape.filter((size) => size !== 1)
  const order = perm.filter((axis) => shape[axis] !== 1).map((axis) => index.get(axis)!)
  // Runs of consecutive input axes, in output order.
  const groups: number[][] = []
  for (const axis of order) {
    const last = groups[groups.length - 1]
    if (last !== undefined && last[last.length - 1] === axis - 1) last.push(axis)
    else groups.push([axis])
  }
  if (groups.length > 4) return null
  const byInput = [...groups].sort((a, b) => a[0]! - b[0]!)
  const inShape = byInput.map((g) => g.reduce((p, axis) => p * sizes[axis]!, 1))
  const inStrides = rowMajorStrides(inShape)
  const outShape = groups.map((g) => g.reduce((p, axis) => p * sizes[axis]!, 1))
  const outStrides = rowMajorStrides(outShape)
  const axes = groups.map((g, o) => ({ n: outShape[o]!, xs: inStrides[byInput.indexOf(g)]!, ys: outStrides[o]! }))
  if (axes.length > 1 && axes[axes.length - 1]!.xs !== 1) {
    // Put the output axis that is contiguous in the input second-innermost.
    const at = axes.findIndex((a) => a.xs === 1)
    const [contiguous] = axes.splice(at, 1)
    axes.splice(axes.length - 1, 0, contiguous!)
  }
  return loops(axes, 0)
}

/**
 * Plans `reverse(x, dims)` for the native kernel: a copy whose reversed axes run backwards from the
 * last element. Neighbouring axes that are both reversed or both kept merge (reversing H and W is
 * reversing HW), axes of size 1 drop. Null when more than four axes remain.
 */
export function planReverse(shape: readonly number[], dims: readonly number[]): TransposeLoops | null {
  const runs: { n: number; reversed: boolean }[] = []
  shape.forEach((n, axis) => {
    if (n === 1) return
    const reversed = dims.includes(axis)
    const last = runs[runs.length - 1]
    if (last !== undefined && last.reversed === reversed) last.n *= n
    else runs.push({ n, reversed })
  })
  if (runs.length > 4) return null
  const strides = rowMajorStrides(runs.map((r) => r.n))
  let start = 0
  const axes = runs.map((r, k) => {
    const stride = strides[k]!
    if (r.reversed) start += (r.n - 1) * stride
    return { n: r.n, xs: r.reversed ? -stride : stride, ys: stride }
  })
  return loops(axes, start)
}

/** A constant pad as the native kernel's four axes: x's dims and (before, after) per axis. */
export interface PadPlan {
  n: [number, number, number, number]
  pads: [number, number, number, number, number, number, number, number]
}

/**
 * Plans `pad(x, paddings)` for the native kernel: axes of size 1 without padding drop, and an axis
 * without padding merges into the axis outside it (whole rows of it are copied). Null when more
 * than four axes remain.
 */
export function planPad(shape: readonly number[], paddings: readonly (readonly [number, number])[]): PadPlan | null {
  const axes: { n: number; before: number; after: number }[] = []
  shape.forEach((n, axis) => {
    const [before, after] = paddings[axis]!
    if (n === 1 && before === 0 && after === 0) return
    const outer = axes[axes.length - 1]
    if (outer !== undefined && before === 0 && after === 0) {
      // An unpadded axis is part of each row of the axis outside it, padding included.
      outer.n *= n
      outer.before *= n
      outer.after *= n
    } else axes.push({ n, before, after })
  })
  if (axes.length > 4) return null
  while (axes.length < 4) axes.unshift({ n: 1, before: 0, after: 0 })
  return {
    n: axes.map((a) => a.n) as PadPlan['n'],
    pads: axes.flatMap((a) => [a.before, a.after]) as PadPlan['pads'],
  }
}

/** The native depthwise kernels' dimensions, from tfjs' convolution info. */
export function depthwiseDims(info: {
  batchSize: number
  inHeight: number
  inWidth: number
  inChannels: number
  outHeight: number
  outWidth: number
  filterHeight: number
  filterWidth: number
  strideHeight: number
  strideWidth: number
  dilationHeight: number
  dilationWidth: number
  padInfo: { top: number; left: number }
}): DepthwiseDims {
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ]
}

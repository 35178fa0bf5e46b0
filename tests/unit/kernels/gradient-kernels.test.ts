// The gradient kernels registered on wasm against tfjs' reference cpu kernels, on random inputs over
// a grid of shapes, strides, paddings and dilations.
import { beforeAll, describe, expect, it } from 'vitest'
import {
  TOLERANCE,
  expectWasmMatchesCpu as compare,
  initBackends,
  outSize,
  random,
  relativeError,
  runKernel,
  type HostTensor,
  type KernelRun,
  type Pad,
} from './reference'

const EXPLICIT: Pad = [
  [0, 0],
  [1, 2],
  [0, 1],
  [0, 0],
]

beforeAll(initBackends)

interface Case {
  x: [number, number, number, number]
  k: [number, number]
  stride: number
  dilation: number
  pad: Pad
}

function grid(dilations: number[]): Case[] {
  const cases: Case[] = []
  // 3 channels: scalar loops only; 6: 4-lane SIMD plus a scalar tail in the native kernels.
  const shapes: [number, number, number, number][] = [
    [2, 7, 7, 3],
    [3, 9, 6, 6],
  ]
  const kernels: [number, number][] = [
    [3, 3],
    [1, 1],
    [2, 3],
    [5, 5],
  ]
  for (const x of shapes)
    for (const k of kernels)
      for (const stride of [1, 2, 3])
        for (const dilation of dilations) {
          for (const pad of ['same', 'valid', EXPLICIT] as Pad[]) {
            if (stride > 1 && dilation > 1) continue // tfjs allows only one of them above 1
            if (outSize(x[1], k[0], stride, pad, 1, dilation) < 1 || outSize(x[2], k[1], stride, pad, 2, dilation) < 1) continue
            cases.push({ x, k, stride, dilation, pad })
          }
        }
  return cases
}

const label = (c: Case): string =>
  `x ${c.x.join('x')} k ${c.k.join('x')} s${c.stride} d${c.dilation} ${typeof c.pad === 'string' ? c.pad : 'explicit'}`

describe('Conv2DBackpropFilter on wasm', () => {
  const cases = grid([1])
  // 5 output channels make dy the larger operand (x becomes the swapped convolution's filter at
  // stride 1), 2 the smaller (dy stays the filter): both formulations run over the whole grid.
  it(`matches cpu on ${cases.length * 2} shape/stride/padding/channel cases`, async () => {
    let seed = 1
    for (const c of cases)
      for (const co of [5, 2]) {
        const dy = [c.x[0], outSize(c.x[1], c.k[0], c.stride, c.pad, 1, 1), outSize(c.x[2], c.k[1], c.stride, c.pad, 2, 1), co]
        const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k[0], c.k[1], c.x[3], co] }
        await compare('Conv2DBackpropFilter', { x: random(c.x, seed++), dy: random(dy, seed++) }, attrs, `${label(c)} co ${co}`)
      }
  })
})

describe('Conv2DBackpropFilter on wasm, native kernel for few input channels', () => {
  // More pixels than one 256-pixel chunk, and 21 output channels: 16-lane blocks, a 4-lane block and
  // a scalar tail; input channels 1 to 4 (the native kernel's range) at strides 1 and 2.
  it('matches cpu across pixel chunks and output-channel blocks', async () => {
    let seed = 900
    for (const ci of [1, 3, 4])
      for (const stride of [1, 2])
        for (const pad of ['same', 'valid', EXPLICIT] as Pad[]) {
          const x: [number, number, number, number] = [3, 20, 19, ci]
          const k: [number, number] = [3, 3]
          const co = 21
          const dy = [3, outSize(20, 3, stride, pad, 1, 1), outSize(19, 3, stride, pad, 2, 1), co]
          const attrs = { strides: stride, pad, dataFormat: 'NHWC', filterShape: [k[0], k[1], ci, co] }
          await compare(
            'Conv2DBackpropFilter',
            { x: random(x, seed++), dy: random(dy, seed++) },
            attrs,
            `ci ${ci} s${stride} ${typeof pad === 'string' ? pad : 'explicit'}`,
          )
        }
  })
})

// tfjs' cpu depthwise gradients ignore dilations (tfjs' own gradient refuses dilation > 1), so for
// d > 1 the reference runs at dilation 1 on the equivalent filter with d-1 zeros between its taps.
function dilateFilter(f: HostTensor, d: number): HostTensor {
  const [kh, kw, c, m] = f.shape as [number, number, number, number]
  const eh = (kh - 1) * d + 1
  const ew = (kw - 1) * d + 1
  const values = new Float32Array(eh * ew * c * m)
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) {
      values.set(f.values.subarray((a * kw + b) * c * m, (a * kw + b + 1) * c * m), (a * d * ew + b * d) * c * m)
    }
  return { shape: [eh, ew, c, m], values }
}

/** The taps of a dilated filter gradient that belong to the real (undilated) filter. */
function undilateFilter(g: HostTensor, d: number, kh: number, kw: number): HostTensor {
  const [, ew, c, m] = g.shape as [number, number, number, number]
  const values = new Float32Array(kh * kw * c * m)
  for (let a = 0; a < kh; a++)
    for (let b = 0; b < kw; b++) {
      values.set(g.values.subarray((a * d * ew + b * d) * c * m, (a * d * ew + b * d + 1) * c * m), (a * kw + b) * c * m)
    }
  return { shape: [kh, kw, c, m], values }
}

function expectMatches(actual: KernelRun, expected: HostTensor, label: string): void {
  expect(actual.out.shape, label).toEqual(expected.shape)
  expect(relativeError(actual.out, expected), label).toBeLessThan(TOLERANCE)
  expect(actual.leaked, `${label}: tensors left behind`).toBe(0)
}

describe('DepthwiseConv2dNative gradients on wasm', () => {
  const cases = grid([1, 2])
  for (const multiplier of [1, 2]) {
    it(`BackpropInput matches cpu, channel multiplier ${multiplier}, ${cases.length} cases`, async () => {
      let seed = 100
      for (const c of cases) {
        const filter = random([c.k[0], c.k[1], c.x[3], multiplier], seed++)
        const dy = random(
          [
            c.x[0],
            outSize(c.x[1], c.k[0], c.stride, c.pad, 1, c.dilation),
            outSize(c.x[2], c.k[1], c.stride, c.pad, 2, c.dilation),
            c.x[3] * multiplier,
          ],
          seed++,
        )
        const attrs = { strides: c.stride, dilations: c.dilation, pad: c.pad, inputShape: c.x }
        const actual = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropInput', { dy, filter }, attrs)
        const expected = await runKernel(
          'cpu',
          'DepthwiseConv2dNativeBackpropInput',
          { dy, filter: dilateFilter(filter, c.dilation) },
          { ...attrs, dilations: 1 },
        )
        expectMatches(actual, expected.out, `${label(c)} m${multiplier}`)
      }
    })
    it(`BackpropFilter matches cpu, channel multiplier ${multiplier}, ${cases.length} cases`, async () => {
      let seed = 500
      for (const c of cases) {
        const filterShape = [c.k[0], c.k[1], c.x[3], multiplier]
        const x = random(c.x, seed++)
        const dy = random(
          [
            c.x[0],
            outSize(c.x[1], c.k[0], c.stride, c.pad, 1, c.dilation),
            outSize(c.x[2], c.k[1], c.stride, c.pad, 2, c.dilation),
            c.x[3] * multiplier,
          ],
          seed++,
        )
        const attrs = { strides: c.stride, dilations: c.dilation, pad: c.pad, filterShape }
        const actual = await runKernel('wasm', 'DepthwiseConv2dNativeBackpropFilter', { x, dy }, attrs)
        const dilatedShape = [(c.k[0] - 1) * c.dilation + 1, (c.k[1] - 1) * c.dilation + 1, c.x[3], multiplier]
        const expected = await runKernel(
          'cpu',
          'DepthwiseConv2dNativeBackpropFilter',
          { x, dy },
          { ...attrs, dilations: 1, filterShape: dilatedShape },
        )
        expectMatches(actual, undilateFilter(expected.out, c.dilation, c.k[0], c.k[1]), `${label(c)} m${multiplier}`)
      }
    })
  }
})

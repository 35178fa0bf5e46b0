// Every kernel the engine's models call in training (forward, gradients, Adam's update) and in
// evaluation, recorded on tfjs' reference cpu backend with the models' own shapes and attributes,
// then replayed on webgpu (Dawn; here a software adapter) on the same inputs: each output within
// 1e-4 of cpu's relative to its scale, float32 rounding being the only difference allowed.
// Two kinds of call are compared on a scale that fits them:
// - Sum and Mean: float32 summation error grows with the magnitudes summed, not with the result (the
//   batch-norm means of MobileNetV2 are near zero over large activations), so their scale is the
//   same reduction of |x|, the classic bound for a sum computed in another order.
// - MaxPoolGrad: where a window holds equal maxima (the zeros after a ReLU) cpu hands the gradient to
//   the first and webgpu to another; both are valid, and the ReLU's own gradient zeroes that position
//   either way. Such calls are replayed on tie-free inputs of the same shape, reference recomputed on cpu.
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src-main/engine/backend'
import * as tf from '../../../src-main/engine/tf'
import { runWebGpuTests, webGpuSkipReason } from '../support/webgpu'
import { recordCpuKernels, relativeError, replay, type HostValue, type KernelCall } from './kernel-recorder'
import { random } from './reference'
import { batch, buildWorkload, evaluateBatch, mobileNetV2FineTuning, newAdam, trainStep, type Workload } from './webgpu-workloads'

const TOLERANCE = 1e-4

/** What each workload runs: training steps (fine-tuning every layer of a base), evaluation, or both. */
const WORKLOADS: { name: Workload | 'mobilenetv2-imagenet-finetune'; train: boolean; batchSize: number }[] = [
  { name: 'seed-cnn', train: true, batchSize: 4 },
  // The preset's fine-tuning phase on the shipped base (batch norm folded, ReLU6 fused into the convolutions).
  { name: 'mobilenetv2-imagenet-finetune', train: true, batchSize: 2 },
  { name: 'cnn-batchnorm-dropout-gap', train: true, batchSize: 4 },
  { name: 'mobilenetv2', train: true, batchSize: 2 },
  { name: 'vgg16', train: false, batchSize: 2 },
]

const REDUCTIONS = new Set(['Sum', 'Mean'])

/** The scale each output's error is measured against (see the header). */
async function scaleOf(call: KernelCall, expected: HostValue[]): Promise<number[]> {
  if (!REDUCTIONS.has(call.kernel)) return expected.map((e) => maxAbs(e.values))
  const abs: KernelCall = { ...call, inputs: { x: { ...call.inputs.x!, values: call.inputs.x!.values.map(Math.abs) } } }
  return (await replay(abs)).map((o) => maxAbs(o.values))
}

function maxAbs(values: ArrayLike<number>): number {
  let m = 0
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(Number(values[i])))
  return m
}

/** Whether a max-pool window of the call's input holds its maximum more than once. */
function hasTiedMaxima(call: KernelCall): boolean {
  const x = call.inputs.input!
  const [n, h, w, c] = x.shape as [number, number, number, number]
  const [fh, fw] = call.attrs.filterSize as [number, number]
  const [sh, sw] = call.attrs.strides as [number, number]
  for (let b = 0; b < n; b++)
    for (let r = 0; r + fh <= h; r += sh)
      for (let q = 0; q + fw <= w; q += sw)
        for (let ch = 0; ch < c; ch++) {
          let max = -Infinity
          let count = 0
          for (let i = 0; i < fh; i++)
            for (let j = 0; j < fw; j++) {
              const v = x.values[((b * h + r + i) * w + q + j) * c + ch]!
              if (v > max) [max, count] = [v, 1]
              else if (v === max) count++
            }
          if (count > 1) return true
        }
  return false
}

/** A MaxPoolGrad call on tie-free random inputs of the same shape, its reference recomputed on cpu. */
async function untied(call: KernelCall, seed: number): Promise<KernelCall> {
  const x = call.inputs.input!
  const inputs = { ...call.inputs, input: { ...x, values: random(x.shape, seed).values } }
  await tf.setBackend('cpu')
  const outputs = await replay({ ...call, inputs })
  await tf.setBackend('webgpu')
  return { ...call, signature: `${call.signature} (tie-free input)`, inputs, outputs }
}

async function record(workload: (typeof WORKLOADS)[number]): Promise<KernelCall[]> {
  return recordCpuKernels(async () => {
    const { model, learningRate } =
      workload.name === 'mobilenetv2-imagenet-finetune'
        ? await mobileNetV2FineTuning()
        : { model: buildWorkload(workload.name, { dropout: true }), learningRate: 1e-3 }
    const { x, y } = batch(workload.batchSize, 3)
    // Two steps: Adam's first step creates its moments, the second updates existing ones.
    if (workload.train) {
      const optimizer = newAdam(learningRate)
      for (let step = 0; step < 2; step++) await trainStep(model, optimizer, x, y)
      optimizer.dispose()
    }
    await evaluateBatch(model, x, y)
    tf.dispose([x, y])
    model.dispose()
  })
}

describe.skipIf(!runWebGpuTests)(`webgpu kernels against cpu${webGpuSkipReason ? ` (${webGpuSkipReason})` : ''}`, () => {
  beforeAll(async () => {
    await initBackend('webgpu')
    await tf.setBackend('cpu')
  })

  for (const workload of WORKLOADS) {
    it(`${workload.name}: every ${workload.train ? 'training and evaluation' : 'evaluation'} kernel matches cpu within ${TOLERANCE}`, async () => {
      const calls = await record(workload)
      expect(calls.length).toBeGreaterThan(10)
      await tf.setBackend('webgpu')
      const missing = [...new Set(calls.map((c) => c.kernel))].filter((k) => tf.getKernel(k, 'webgpu') === undefined)
      expect(missing, 'kernels with no webgpu implementation').toEqual([])
      const failures: string[] = []
      const worst = new Map<string, number>()
      let seed = 100
      for (const recorded of calls) {
        const call = recorded.kernel === 'MaxPoolGrad' && hasTiedMaxima(recorded) ? await untied(recorded, seed++) : recorded
        const outputs = await replay(call)
        await tf.setBackend('cpu')
        const scales = await scaleOf(call, call.outputs)
        await tf.setBackend('webgpu')
        call.outputs.forEach((expected, i) => {
          const actual = outputs[i]
          if (!actual || actual.shape.join() !== expected.shape.join()) {
            failures.push(`${call.signature}: output ${i} shape ${actual?.shape.join('x')} ≠ ${expected.shape.join('x')}`)
            return
          }
          const error = relativeError(actual.values, expected.values, scales[i])
          worst.set(call.kernel, Math.max(worst.get(call.kernel) ?? 0, error))
          if (!(error < TOLERANCE)) failures.push(`${call.signature}: output ${i} relative error ${error.toExponential(2)}`)
        })
      }
      await tf.setBackend('cpu')
      console.info(
        `${workload.name}: ${calls.length} calls of ${worst.size} kernels; worst relative error per kernel: ` +
          [...worst].map(([k, e]) => `${k} ${e.toExponential(1)}`).join(', '),
      )
      expect(failures).toEqual([])
    })
  }
})

// The models themselves on webgpu (Dawn; here a software adapter) against wasm from the same
// weights on the same batches: a few optimizer steps of the Seed CNN and of the MobileNetV2 preset's
// fine-tuning phase on the ImageNet weights the app ships (the engine's Adam and cross-entropy), and
// VGG16's forward pass. Losses and predicted probabilities agree within float32 rounding of different
// summation orders; weights within half an Adam step (tolerances below, each with the error
// measured where this was written).
import { beforeAll, describe, expect, it } from 'vitest'
import { initBackend } from '../../../src-main/engine/backend'
import * as tf from '../../../src-main/engine/tf'
import { runWebGpuTests, webGpuSkipReason } from '../support/webgpu'
import { relativeError } from './kernel-recorder'
import {
  batch,
  buildWorkload,
  copyWeights,
  evaluateBatch,
  hostWeights,
  mobileNetV2FineTuning,
  newAdam,
  trainStep,
} from './webgpu-workloads'

type Backend = 'webgpu' | 'wasm'

interface Trace {
  start: { shape: number[]; values: Float32Array }[]
  losses: number[]
  weights: { shape: number[]; values: Float32Array }[]
  probs: Float32Array
}

type Trained = 'seed-cnn' | 'mobilenetv2-finetune'

/** The model on the active backend, with the learning rate its phase trains at. */
async function build(workload: Trained): Promise<{ model: tf.LayersModel; learningRate: number }> {
  return workload === 'seed-cnn'
    ? { model: buildWorkload('seed-cnn', { dropout: false }), learningRate: 1e-3 }
    : mobileNetV2FineTuning()
}

async function trace(
  backend: Backend,
  workload: Trained,
  steps: number,
  batchSize: number,
): Promise<Trace & { learningRate: number }> {
  await initBackend(backend, { threads: 1 })
  const { model, learningRate } = await build(workload)
  const start = await hostWeights(model)
  const optimizer = newAdam(learningRate)
  const losses: number[] = []
  for (let step = 0; step < steps; step++) {
    const { x, y } = batch(batchSize, step + 1)
    losses.push((await trainStep(model, optimizer, x, y))[0]!)
    tf.dispose([x, y])
  }
  const { x, y } = batch(batchSize, 99)
  const probs = await evaluateBatch(model, x, y)
  const weights = await hostWeights(model)
  expect(tf.getBackend()).toBe(backend)
  tf.dispose([x, y])
  optimizer.dispose()
  model.dispose()
  return { losses, weights, probs, start, learningRate }
}

async function initialWeights(workload: 'vgg16'): Promise<{ shape: number[]; values: Float32Array }[]> {
  await initBackend('wasm', { threads: 1 })
  const model = buildWorkload(workload, { dropout: false })
  const weights = await hostWeights(model)
  model.dispose()
  return weights
}

/**
 * The largest difference of one weight, in learning rates. Adam divides each gradient by its running
 * RMS, so a weight whose gradient is rounding noise around zero steps ±lr on either backend: the
 * weights are compared in units of the step Adam takes, not relative to their own size.
 */
function worstWeightError(a: Trace, b: Trace, learningRate: number): number {
  let worst = 0
  a.weights.forEach((w, i) => {
    const other = b.weights[i]!.values
    for (let j = 0; j < w.values.length; j++) worst = Math.max(worst, Math.abs(w.values[j]! - other[j]!))
  })
  return worst / learningRate
}

describe.skipIf(!runWebGpuTests)(`models on webgpu against wasm${webGpuSkipReason ? ` (${webGpuSkipReason})` : ''}`, () => {
  beforeAll(async () => {
    await initBackend('webgpu')
  })

  const cases: { workload: Trained; steps: number; batchSize: number; loss: number; weights: number; probs: number }[] = [
    // Measured here: losses 3e-7, weights 0.02 lr, probabilities 6e-9.
    { workload: 'seed-cnn', steps: 4, batchSize: 8, loss: 1e-5, weights: 0.5, probs: 1e-4 },
    // The preset's fine-tuning phase on the shipped ImageNet weights. Measured here: losses equal to
    // the printed digits, weights 0.09 lr, probabilities 1e-7.
    { workload: 'mobilenetv2-finetune', steps: 3, batchSize: 4, loss: 1e-5, weights: 0.5, probs: 1e-4 },
  ]
  for (const c of cases) {
    it(`${c.workload}: ${c.steps} Adam steps give wasm's losses (${c.loss}), weights (${c.weights} lr) and predictions (${c.probs})`, async () => {
      const gpu = await trace('webgpu', c.workload, c.steps, c.batchSize)
      const cpu = await trace('wasm', c.workload, c.steps, c.batchSize)
      expect(worstWeightError({ ...gpu, weights: gpu.start }, { ...cpu, weights: cpu.start }, 1)).toBe(0)
      const lossError = Math.max(...gpu.losses.map((l, i) => Math.abs(l - cpu.losses[i]!) / Math.abs(cpu.losses[i]!)))
      const weightError = worstWeightError(gpu, cpu, cpu.learningRate)
      const probError = relativeError(gpu.probs, cpu.probs)
      console.info(
        `${c.workload}: losses ${gpu.losses.map((l) => l.toFixed(6)).join(' ')} (wasm ${cpu.losses.map((l) => l.toFixed(6)).join(' ')}); ` +
          `loss relative error ${lossError.toExponential(1)}, weights ${weightError.toExponential(1)} lr, predictions ${probError.toExponential(1)}`,
      )
      // Training moved the weights: the comparison is of two trained models, not of two copies of the start.
      expect(worstWeightError(cpu, { ...cpu, weights: cpu.start }, cpu.learningRate)).toBeGreaterThan(0.5)
      expect(lossError).toBeLessThan(c.loss)
      expect(weightError).toBeLessThan(c.weights)
      expect(probError).toBeLessThan(c.probs)
    })
  }

  it("vgg16: the forward pass gives wasm's probabilities within 1e-4", async () => {
    const start = await initialWeights('vgg16')
    const outputs: Float32Array[] = []
    for (const backend of ['webgpu', 'wasm'] as const) {
      await initBackend(backend, { threads: 1 })
      const model = buildWorkload('vgg16', { dropout: false })
      copyWeights(model, start)
      const { x, y } = batch(2, 5)
      outputs.push(await evaluateBatch(model, x, y))
      tf.dispose([x, y])
      model.dispose()
    }
    const error = relativeError(outputs[0]!, outputs[1]!)
    console.info(`vgg16 forward: relative error ${error.toExponential(1)}`)
    expect(error).toBeLessThan(1e-4)
  })
})

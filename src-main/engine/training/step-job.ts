// A fixed number of optimizer steps from given weights on given batches: the unit of work the GPU
// engine page runs on Chromium's WebGPU, and the same code in Node on any other backend, so the two
// can be compared step for step. Only tfjs here (no Node API): it is bundled into that page.
import type { GpuTensor, GpuTrainJob } from '@shared/contract/gpu-engine'
import { buildScratchModel } from '../architectures/scratch'
import * as tf from '../tf'
import { categoricalCrossentropy } from './loss'
import { allWeights, trainableVariables } from './weights'

export interface StepJobHooks {
  /** The optimizer the trainer would use (engine/training/optimizer.ts `createOptimizer`). */
  createOptimizer(learningRate: number): tf.Optimizer
  onStep?(step: number, loss: number): void
  /** Checked between steps; true stops the job after the step in flight. */
  shouldStop?(): boolean
  /** Rejects when the device fails (a lost GPU); raced against every read. */
  faulted?: Promise<never>
}

export interface StepJobResult {
  losses: number[]
  weights: GpuTensor[]
  stopped: boolean
}

/** Writes the job's weights into the model by canonical position, checking names and shapes. */
function loadWeights(model: tf.LayersModel, weights: GpuTensor[]): void {
  const slots = allWeights(model)
  if (slots.length !== weights.length) {
    throw new Error(`the job has ${weights.length} weights but the model has ${slots.length}`)
  }
  slots.forEach(({ key, variable }, i) => {
    const given = weights[i]!
    if (given.name !== key || !tf.util.arraysEqual(given.shape, variable.shape as number[])) {
      throw new Error(`job weight ${given.name} [${given.shape.join(',')}] does not match ${key} [${variable.shape.join(',')}]`)
    }
    const tensor = tf.tensor(given.values, given.shape, 'float32')
    variable.write(tensor)
    tensor.dispose()
  })
}

/** Every weight as host arrays, in canonical order (read asynchronously: WebGPU has no sync read here). */
export async function readWeights(model: tf.LayersModel): Promise<GpuTensor[]> {
  const out: GpuTensor[] = []
  for (const { key, variable } of allWeights(model)) {
    out.push({
      name: key,
      shape: variable.shape as number[],
      values: (await variable.read().data()) as Float32Array<ArrayBuffer>,
    })
  }
  return out
}

/** Builds the model, loads the job's weights and takes the job's steps with the job's hyperparameters. */
export async function runStepJob(job: GpuTrainJob, hooks: StepJobHooks): Promise<StepJobResult> {
  const { config, numClasses, imageSize, seed } = job.model
  const model = buildScratchModel(config, { numClasses, imageSize, seed })
  const optimizer = hooks.createOptimizer(job.hyperparameters.learningRate)
  const race = <T>(p: Promise<T>): Promise<T> => (hooks.faulted ? Promise.race([p, hooks.faulted]) : p)
  try {
    loadWeights(model, job.weights)
    const losses: number[] = []
    let stopped = false
    for (let step = 0; step < job.hyperparameters.steps; step++) {
      if (hooks.shouldStop?.()) {
        stopped = true
        break
      }
      const batch = job.batches[step % job.batches.length]!
      const x = tf.tensor4d(batch.x, batch.shape, 'float32')
      const y = tf.tensor1d(batch.labels, 'int32')
      const cost = optimizer.minimize(
        () => categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor),
        true,
        trainableVariables(model),
      )!
      const loss = (await race(cost.data()))[0]!
      tf.dispose([x, y, cost])
      losses.push(loss)
      hooks.onStep?.(step, loss)
    }
    return { losses, weights: await race(readWeights(model)), stopped }
  } finally {
    optimizer.dispose()
    model.dispose()
  }
}

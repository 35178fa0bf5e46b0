// A fixed number of optimizer steps from given weights on given batches: the unit of work the GPU
// engine page runs on Chromium's WebGPU, and the same code in Node on any other backend, so the two
// can be compared step for step. Only tfjs here (no Node API): it is bundled into that page.
import type { GpuOptimizerState, GpuTensor, GpuTrainJob } from '@shared/contract/gpu-engine'
import { buildScratchModel } from '../architectures/scratch'
import * as tf from '../tf'
import { categoricalCrossentropy } from './loss'
import { readOptimizerState, writeOptimizerState } from './optimizer-state'
import { readHostWeights, writeHostWeights } from './host-weights'
import { trainableVariables } from './weights'

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
  optimizer: GpuOptimizerState
  stopped: boolean
}

/** Restores Adam's step count and moments from an earlier job; their count and shapes must match the model's. */
async function loadOptimizer(optimizer: tf.Optimizer, state: GpuOptimizerState, model: tf.LayersModel): Promise<void> {
  const variables = trainableVariables(model)
  if (state.slots.length !== 2 * variables.length) {
    throw new Error(
      `the job's optimizer state has ${state.slots.length} slots but Adam keeps ${2 * variables.length} for this model`,
    )
  }
  await writeOptimizerState(optimizer, state, variables)
}

/** Builds the model, loads the job's weights and takes the job's steps with the job's hyperparameters. */
export async function runStepJob(job: GpuTrainJob, hooks: StepJobHooks): Promise<StepJobResult> {
  const { config, numClasses, imageSize, seed } = job.model
  const model = buildScratchModel(config, { numClasses, imageSize, seed })
  const optimizer = hooks.createOptimizer(job.hyperparameters.learningRate)
  const race = <T>(p: Promise<T>): Promise<T> => (hooks.faulted ? Promise.race([p, hooks.faulted]) : p)
  try {
    writeHostWeights(model, job.weights, 'job')
    if (job.optimizer) await loadOptimizer(optimizer, job.optimizer, model)
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
    return { losses, weights: await race(readHostWeights(model)), optimizer: await race(readOptimizerState(optimizer)), stopped }
  } finally {
    optimizer.dispose()
    model.dispose()
  }
}

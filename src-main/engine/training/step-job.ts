// A fixed number of optimizer steps from given weights on given batches: the unit of work the GPU
// engine page runs on Chromium's WebGPU, and the same code in Node on any other backend, so the two
// can be compared step for step. Only tfjs here (no Node API): it is bundled into that page.
import type { GpuOptimizerState, GpuTensor, GpuTrainJob } from '@shared/contract/gpu-engine'
import { buildScratchModel } from '../architectures/scratch'
import * as tf from '../tf'
import { adamPowerVariables } from './adam-powers'
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
  optimizer: GpuOptimizerState
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

/** Restores Adam's step count and moments from an earlier job; their count and shapes must match the model's. */
async function loadOptimizer(optimizer: tf.Optimizer, state: GpuOptimizerState, model: tf.LayersModel): Promise<void> {
  const variables = trainableVariables(model)
  if (state.slots.length !== 2 * variables.length) {
    throw new Error(
      `the job's optimizer state has ${state.slots.length} slots but Adam keeps ${2 * variables.length} for this model`,
    )
  }
  state.slots.forEach((slot, i) => {
    const variable = variables[i % variables.length]!
    if (!tf.util.arraysEqual(slot.shape, variable.shape)) {
      throw new Error(
        `optimizer slot ${slot.name} [${slot.shape.join(',')}] does not match ${variable.name} [${variable.shape.join(',')}]`,
      )
    }
  })
  const weights = [
    { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
    ...state.slots.map((s) => ({ name: s.name, tensor: tf.tensor(s.values, s.shape, 'float32') })),
  ]
  await optimizer.setWeights(weights)
  tf.dispose(weights.map((w) => w.tensor))
  const powers = adamPowerVariables(optimizer)
  if (!powers) throw new Error('the job carries Adam state but its optimizer is not Adam')
  tf.tidy(() => {
    powers.accBeta1.assign(tf.scalar(state.betaPowers[0]))
    powers.accBeta2.assign(tf.scalar(state.betaPowers[1]))
  })
}

/** Adam's step count and moment slots as host arrays (the iteration count is the first weight). */
async function readOptimizer(optimizer: tf.Optimizer): Promise<GpuOptimizerState> {
  const [iterations, ...slots] = await optimizer.getWeights()
  const powers = adamPowerVariables(optimizer)
  if (!powers) throw new Error('the GPU engine trains with Adam only')
  const betaPowers: [number, number] = [(await powers.accBeta1.data())[0]!, (await powers.accBeta2.data())[0]!]
  const out: GpuOptimizerState = { iterations: (await iterations!.tensor.data())[0]!, slots: [], betaPowers }
  iterations!.tensor.dispose()
  for (const slot of slots) {
    out.slots.push({ name: slot.name, shape: slot.tensor.shape, values: (await slot.tensor.data()) as Float32Array<ArrayBuffer> })
  }
  return out
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
    return { losses, weights: await race(readWeights(model)), optimizer: await race(readOptimizer(optimizer)), stopped }
  } finally {
    optimizer.dispose()
    model.dispose()
  }
}

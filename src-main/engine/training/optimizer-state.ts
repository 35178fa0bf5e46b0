// An optimizer's state as host arrays, for handing it between two engines (the main process and the
// GPU engine page): the step count, every slot in tfjs' getWeights order, and Adam's running beta
// powers. Only tfjs here (no Node API): the page bundles it.
import type { GpuOptimizerState } from '@shared/contract/gpu-engine'
import * as tf from '../tf'
import { adamPowerVariables } from './adam-powers'

/** The optimizer's state now (read asynchronously: WebGPU has no sync read in Node). */
export async function readOptimizerState(optimizer: tf.Optimizer): Promise<GpuOptimizerState> {
  const [iterations, ...slots] = await optimizer.getWeights()
  const powers = adamPowerVariables(optimizer)
  const betaPowers: [number, number] | null = powers
    ? [(await powers.accBeta1.data())[0]!, (await powers.accBeta2.data())[0]!]
    : null
  const out: GpuOptimizerState = { iterations: iterations ? (await iterations.tensor.data())[0]! : 0, slots: [], betaPowers }
  iterations?.tensor.dispose()
  for (const slot of slots) {
    // A copy: a backend may hand out its own cached array, which a transfer would detach.
    out.slots.push({
      name: slot.name,
      shape: slot.tensor.shape,
      values: ((await slot.tensor.data()) as Float32Array<ArrayBuffer>).slice(),
    })
  }
  return out
}

/**
 * Puts a state read by readOptimizerState into an optimizer of the same kind that updates
 * `variables`. Slots come per variable (tfjs keeps one list per slot kind), so their count must be
 * a multiple of the variables' and each must have its variable's shape.
 */
export async function writeOptimizerState(
  optimizer: tf.Optimizer,
  state: GpuOptimizerState,
  variables: tf.Variable[],
): Promise<void> {
  const n = variables.length
  if (n === 0 ? state.slots.length > 0 : state.slots.length % n !== 0) {
    throw new Error(
      `the optimizer state has ${state.slots.length} slots, which does not fit the ${n} variables this phase trains`,
    )
  }
  state.slots.forEach((slot, i) => {
    const variable = variables[i % n]!
    if (!tf.util.arraysEqual(slot.shape, variable.shape)) {
      throw new Error(
        `optimizer slot ${slot.name} [${slot.shape.join(',')}] does not match ${variable.name} [${variable.shape.join(',')}]`,
      )
    }
  })
  const powers = adamPowerVariables(optimizer)
  if ((powers === null) !== (state.betaPowers === null)) {
    throw new Error(
      state.betaPowers ? 'the state carries Adam beta powers but the optimizer is not Adam' : 'the state lacks Adam beta powers',
    )
  }
  const weights = [
    { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
    ...state.slots.map((s) => ({ name: s.name, tensor: tf.tensor(s.values, s.shape, 'float32') })),
  ]
  await optimizer.setWeights(weights)
  tf.dispose(weights.map((w) => w.tensor))
  // After setWeights, which recomputes them as pow(beta, t): the carried products are bit-exact.
  if (powers && state.betaPowers) {
    const [b1, b2] = state.betaPowers
    tf.tidy(() => {
      powers.accBeta1.assign(tf.scalar(b1))
      powers.accBeta2.assign(tf.scalar(b2))
    })
  }
}

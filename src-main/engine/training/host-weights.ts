// A model's weights as host arrays in canonical order, the form they cross between the main process
// and the GPU engine page in. Only tfjs here: the page bundles it.
import type { GpuTensor } from '@shared/contract/gpu-engine'
import * as tf from '../tf'
import { allWeights } from './weights'

/** Writes host weights into the model by canonical position, checking names and shapes; `what` names their sender. */
export function writeHostWeights(model: tf.LayersModel, weights: GpuTensor[], what: string): void {
  const slots = allWeights(model)
  if (slots.length !== weights.length) {
    throw new Error(`the ${what} has ${weights.length} weights but the model has ${slots.length}`)
  }
  slots.forEach(({ key, variable }, i) => {
    const given = weights[i]!
    if (given.name !== key || !tf.util.arraysEqual(given.shape, variable.shape as number[])) {
      throw new Error(
        `${what} weight ${given.name} [${given.shape.join(',')}] does not match ${key} [${variable.shape.join(',')}]`,
      )
    }
    const tensor = tf.tensor(given.values, given.shape, 'float32')
    variable.write(tensor)
    tensor.dispose()
  })
}

/** Every weight as host arrays, in canonical order (read asynchronously: WebGPU has no sync read here). */
export async function readHostWeights(model: tf.LayersModel): Promise<GpuTensor[]> {
  const out: GpuTensor[] = []
  for (const { key, variable } of allWeights(model)) {
    out.push({
      name: key,
      shape: variable.shape as number[],
      // A copy: a backend may hand out its own cached array, which a transfer would detach.
      values: ((await variable.read().data()) as Float32Array<ArrayBuffer>).slice(),
    })
  }
  return out
}

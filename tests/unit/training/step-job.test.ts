// The GPU engine page's unit of work, run in Node: a run cut into jobs that pass the optimizer's state
// along trains exactly as one job of all the steps, and a state that does not fit the model is refused.
import { beforeAll, describe, expect, it } from 'vitest'
import type { GpuTrainJob } from '@shared/contract/gpu-engine'
import { ScratchModelConfig } from '@shared/domain/config'
import * as tf from '../../../src-main/engine/tf'
import { buildScratchModel } from '../../../src-main/engine/architectures/scratch'
import { createOptimizer } from '../../../src-main/engine/training/optimizer'
import { readHostWeights as readWeights } from '../../../src-main/engine/training/host-weights'
import { runStepJob } from '../../../src-main/engine/training/step-job'
import { random } from '../kernels/reference'

const MODEL = ScratchModelConfig.parse({ kind: 'scratch', convBlocks: 2, filters: [4, 8], denseUnits: 16 })
const hooks = { createOptimizer: (lr: number) => createOptimizer('adam', lr) }

async function job(steps: number): Promise<GpuTrainJob> {
  const model = buildScratchModel(MODEL, { numClasses: 10, imageSize: 16, seed: 3 })
  const weights = await readWeights(model)
  model.dispose()
  return {
    type: 'train',
    jobId: `steps-${steps}`,
    model: { config: MODEL, numClasses: 10, imageSize: 16, seed: 3 },
    weights,
    batches: [11, 12].map((seed) => ({
      x: random([6, 16, 16, 3], seed).values as Float32Array<ArrayBuffer>,
      shape: [6, 16, 16, 3] as [number, number, number, 3],
      labels: Int32Array.from({ length: 6 }, (_, i) => (i * 7 + seed) % 10),
    })),
    hyperparameters: { optimizer: 'adam', learningRate: 0.01, steps },
  }
}

describe('step jobs', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu')
  })

  it('three jobs of two steps, each from the last one’s weights and optimizer state, equal one job of six', async () => {
    const whole = await runStepJob(await job(6), hooks)
    expect(whole.optimizer.iterations).toBe(6)
    let next = await job(2)
    const losses: number[] = []
    for (let part = 0; part < 3; part++) {
      const result = await runStepJob(next, hooks)
      losses.push(...result.losses)
      // Even steps start each job, so every job begins on batch 0 as the whole job's step 2k does.
      next = { ...next, jobId: `part-${part + 1}`, weights: result.weights, optimizer: result.optimizer }
    }
    expect(losses).toEqual(whole.losses)
    expect(next.optimizer!.iterations).toBe(6)
    next.weights.forEach((w, i) => expect(Array.from(w.values), w.name).toEqual(Array.from(whole.weights[i]!.values)))
    next.optimizer!.slots.forEach((s, i) =>
      expect(Array.from(s.values), s.name).toEqual(Array.from(whole.optimizer.slots[i]!.values)),
    )
    // Without the state the second job restarts Adam: its steps differ.
    const fresh = await runStepJob({ ...(await job(2)), weights: (await runStepJob(await job(2), hooks)).weights }, hooks)
    expect(fresh.losses).not.toEqual(whole.losses.slice(2, 4))
  })

  it('refuses optimizer state that does not fit the model, naming the slot', async () => {
    const first = await runStepJob(await job(1), hooks)
    const base = await job(1)
    const missing = { ...base, optimizer: { ...first.optimizer, slots: first.optimizer.slots.slice(1) } }
    await expect(runStepJob(missing, hooks)).rejects.toThrow(/has 15 slots but Adam keeps 16/)
    const slots = first.optimizer.slots.map((s, i) => (i === 0 ? { ...s, shape: [s.values.length] } : s))
    await expect(runStepJob({ ...base, optimizer: { ...first.optimizer, slots } }, hooks)).rejects.toThrow(
      /optimizer slot .* does not match/,
    )
  })
})

import { describe, expect, it } from 'vitest'
import { ExperimentConfig, type ExperimentConfigInput } from '@shared/domain/config'
import { planPhases, totalEpochs } from '@shared/domain/phases'

const config = (model: ExperimentConfigInput['model']) =>
  ExperimentConfig.parse({ name: 'phases', data: { datasetId: 'd' }, model, training: { epochs: 5, learningRate: 1e-3 } })

describe('the phases of a run and its total epochs (one rule for the trainer and the Live view)', () => {
  it('a scratch run has one training phase', () => {
    const c = config({ kind: 'scratch' })
    expect(planPhases(c)).toEqual([{ phase: 'train', epochs: 5, learningRate: 1e-3 }])
    expect(totalEpochs(c)).toBe(5)
  })

  it('a transfer run adds fine-tuning only when it is enabled, at its own rate', () => {
    const fineTune = { enabled: true, epochs: 3, learningRate: 1e-5, trainableLayers: 4 }
    const tuned = config({ kind: 'transfer', baseId: 'b', fineTune })
    expect(planPhases(tuned).map((p) => [p.phase, p.epochs, p.learningRate])).toEqual([
      ['train', 5, 1e-3],
      ['finetune', 3, 1e-5],
    ])
    expect(planPhases(tuned)[1]!.fineTune).toMatchObject(fineTune)
    expect(totalEpochs(tuned)).toBe(8)
    expect(totalEpochs(config({ kind: 'transfer', baseId: 'b', fineTune: { ...fineTune, enabled: false } }))).toBe(5)
  })
})

import { describe, expect, it } from 'vitest'
import { ExperimentConfig, type ExperimentConfigInput } from '@shared/domain/config'
import type { EpochMetric, ModelSummary } from '@shared/domain/run'
import { deriveFineTuneParams, phaseTimeline } from '@shared/domain/training-phases'
import { buildModel, summarizeModel, type LoadedBase } from '../../../src-main/engine/architectures'
import { mobileNetV2NoTop } from '../../../src-main/engine/architectures/keras'
import { countPhaseParams } from '../../../src-main/engine/architectures/phase-params'
import type { BaseModelInfo, FineTuneConfig, TransferModelConfig } from '@shared/index'

const config = (model: ExperimentConfigInput['model'], training: ExperimentConfigInput['training'] = {}) =>
  ExperimentConfig.parse({ name: 't', data: { datasetId: 'd' }, model, training: { epochs: 3, learningRate: 1e-3, ...training } })

const epoch = (n: number, phase: EpochMetric['phase'], learningRate: number): EpochMetric => ({
  phase,
  epoch: n,
  loss: 1,
  accuracy: 0.5,
  valLoss: 1,
  valAccuracy: 0.5,
  learningRate,
  durationMs: 1,
  imagesPerSecond: 1,
})

const layer = (name: string, className: string, params: number, trainable: boolean) => ({
  name,
  className,
  outputShape: [null, 1],
  params,
  trainable,
})

/** A model summary as the trainer records it: base frozen (with a batch norm), head trainable. */
const SUMMARY: ModelSummary = {
  layers: [
    layer('input', 'InputLayer', 0, false),
    layer('conv_a', 'Conv2D', 100, false),
    layer('bn_a', 'BatchNormalization', 40, false),
    layer('relu_a', 'ReLU', 0, false),
    layer('conv_b', 'Conv2D', 200, false),
    layer('head_pool', 'GlobalAveragePooling2D', 0, true),
    layer('head_dense', 'Dense', 30, true),
    layer('predictions', 'Dense', 10, true),
  ],
  totalParams: 380,
  trainableParams: 40,
  nonTrainableParams: 340,
  flopsPerImage: 0,
  sizeBytes: 380 * 4,
}

const ft = (over: Partial<FineTuneConfig>): FineTuneConfig => ({
  enabled: true,
  epochs: 2,
  learningRate: 1e-5,
  trainableLayers: null,
  fromLayer: null,
  ...over,
})

describe('the phase timeline of a run', () => {
  it('a transfer run: where the base was unfrozen, each phase’s rates with its plateau reduction', () => {
    const c = config(
      { kind: 'transfer', baseId: 'b', fineTune: ft({ trainableLayers: 2 }) },
      { reduceLrOnPlateau: { enabled: true } },
    )
    const timeline = phaseTimeline({
      config: c,
      epochs: [
        epoch(1, 'train', 1e-3),
        epoch(2, 'train', 1e-3),
        epoch(3, 'train', 5e-4),
        epoch(4, 'finetune', 1e-5),
        epoch(5, 'finetune', 1e-5),
      ],
      modelSummary: SUMMARY,
      phaseParams: [],
    })
    expect(timeline.unfreezeEpoch).toBe(4)
    const [train, tune] = timeline.phases
    expect(train).toMatchObject({ phase: 'train', firstEpoch: 1, lastEpoch: 3, plannedEpochs: 3, plannedLearningRate: 1e-3 })
    expect(train!.rates).toEqual([
      { fromEpoch: 1, toEpoch: 2, learningRate: 1e-3 },
      { fromEpoch: 3, toEpoch: 3, learningRate: 5e-4 },
    ])
    expect(tune).toMatchObject({ phase: 'finetune', firstEpoch: 4, lastEpoch: 5, plannedEpochs: 2, plannedLearningRate: 1e-5 })
    expect(tune!.rates).toEqual([{ fromEpoch: 4, toEpoch: 5, learningRate: 1e-5 }])
    // Phase 1 is the summary as built; phase 2 unfreezes conv_b and bn_a (half of bn_a is moving statistics).
    expect(train!.params).toEqual({
      phase: 'train',
      trainableParams: 40,
      frozenParams: 340,
      unfrozenLayers: 0,
      firstUnfrozenLayer: null,
      source: 'derived',
    })
    expect(tune!.params).toEqual({
      phase: 'finetune',
      trainableParams: 40 + 200 + 20,
      frozenParams: 380 - 260,
      unfrozenLayers: 2,
      firstUnfrozenLayer: 'bn_a',
      source: 'derived',
    })
  })

  it('prefers what the trainer recorded, and says a phase that never started has no epochs', () => {
    const c = config({ kind: 'transfer', baseId: 'b', fineTune: ft({ fromLayer: 'conv_a' }) })
    const recorded = {
      phase: 'finetune' as const,
      trainableParams: 7,
      frozenParams: 3,
      unfrozenLayers: 1,
      firstUnfrozenLayer: 'x',
    }
    const timeline = phaseTimeline({
      config: c,
      epochs: [epoch(1, 'train', 1e-3)],
      modelSummary: SUMMARY,
      phaseParams: [recorded],
    })
    expect(timeline.unfreezeEpoch).toBeNull()
    expect(timeline.phases[1]).toMatchObject({
      firstEpoch: null,
      lastEpoch: null,
      rates: [],
      params: { ...recorded, source: 'recorded' },
    })
  })

  it('from a named layer on unfreezes every base layer after it; an unknown layer or no summary cannot be derived', () => {
    expect(deriveFineTuneParams(SUMMARY, ft({ fromLayer: 'conv_a' }))).toEqual({
      phase: 'finetune',
      trainableParams: 40 + 100 + 20 + 200,
      frozenParams: 20,
      unfrozenLayers: 3,
      firstUnfrozenLayer: 'conv_a',
    })
    expect(deriveFineTuneParams(SUMMARY, ft({ fromLayer: 'nope' }))).toBeNull()
    const c = config({ kind: 'transfer', baseId: 'b', fineTune: ft({ trainableLayers: 1 }) })
    const timeline = phaseTimeline({ config: c, epochs: [], modelSummary: null })
    expect(timeline.phases.map((p) => p.params)).toEqual([null, null])
  })

  it('a scratch run has one phase, every parameter trainable', () => {
    const summary = { ...SUMMARY, trainableParams: 380, nonTrainableParams: 0 }
    const timeline = phaseTimeline({
      config: config({ kind: 'scratch' }),
      epochs: [epoch(1, 'train', 1e-3)],
      modelSummary: summary,
    })
    expect(timeline.phases).toHaveLength(1)
    expect(timeline.phases[0]!.params).toMatchObject({ trainableParams: 380, frozenParams: 0 })
    expect(timeline.unfreezeEpoch).toBeNull()
  })
})

describe('the derived fine-tuning counts match what tfjs trains (Keras MobileNetV2, batch norms included)', () => {
  const info: BaseModelInfo = {
    id: 'mnv2-keras',
    name: 'mnv2',
    family: 'mobilenetv2',
    format: 'keras-h5',
    path: 'x',
    sha256: '',
    preprocessing: 'minus-one-one',
    defaultCutLayer: 'out_relu',
    minInputSize: 32,
    source: 'test',
    summary: null,
    registeredAt: new Date().toISOString(),
  }
  const model = (fineTune: FineTuneConfig): TransferModelConfig => ({
    kind: 'transfer',
    baseId: info.id,
    cutLayer: null,
    inputSize: 32,
    headPooling: 'gap',
    headUnits: 16,
    headDropout: 0,
    fineTune,
  })

  for (const fineTune of [ft({ trainableLayers: 5 }), ft({ trainableLayers: 20 }), ft({ fromLayer: 'block_15_expand' })]) {
    it(`${fineTune.fromLayer ? `from ${fineTune.fromLayer}` : `the last ${fineTune.trainableLayers} layers`}`, () => {
      const base: LoadedBase = { info, model: mobileNetV2NoTop(null) }
      const built = buildModel(model(fineTune), { numClasses: 10, imageSize: 32, seed: 1, base })
      base.model.dispose()
      const summary = summarizeModel(built.model)
      expect(countPhaseParams(built.model, 'train', [])).toMatchObject({
        trainableParams: summary.trainableParams,
        frozenParams: summary.nonTrainableParams,
      })
      const { trainableLayerNames } = built.setPhase('finetune', fineTune)
      const counted = countPhaseParams(built.model, 'finetune', trainableLayerNames)
      expect(counted.trainableParams).toBeGreaterThan(summary.trainableParams)
      expect(deriveFineTuneParams(summary, fineTune)).toEqual(counted)
      built.model.dispose()
    })
  }
})

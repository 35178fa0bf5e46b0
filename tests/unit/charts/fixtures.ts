import type { EpochMetric, RunDetail } from '@shared/domain/run'
import { ExperimentConfig } from '@shared/domain/config'

/** A plausible finished run record built from parameters (no numbers copied from anywhere). */
export function fakeRun(opts: {
  id: string
  name: string
  seed?: number
  epochs: number
  batchesPerEpoch?: number
  base?: number
  kind?: 'scratch' | 'transfer'
  classes?: number
}): RunDetail {
  const classes = opts.classes ?? 10
  const bpe = opts.batchesPerEpoch ?? 20
  const base = opts.base ?? 0.4
  const epochs: EpochMetric[] = []
  const batchPoints: RunDetail['batchPoints'] = []
  for (let e = 1; e <= opts.epochs; e++) {
    const acc = Math.min(0.95, base + 0.05 * e)
    epochs.push({
      phase: 'train',
      epoch: e,
      loss: 2 - acc * 1.5,
      accuracy: acc + 0.03,
      valLoss: 2.1 - acc * 1.5,
      valAccuracy: acc,
      learningRate: e > 2 ? 5e-4 : 1e-3,
      durationMs: 1000 + e,
      imagesPerSecond: 300 + e,
    })
    for (let b = 1; b <= bpe; b++) {
      const step = (e - 1) * bpe + b
      batchPoints.push({
        phase: 'train',
        epoch: e,
        step,
        loss: 2.2 - acc * 1.5 + Math.sin(step) * 0.1,
        accuracy: acc - 0.05 + Math.cos(step) * 0.03,
      })
    }
  }
  const classNames = Array.from({ length: classes }, (_, i) => `class${i}`)
  const confusionMatrix = classNames.map((_, i) => classNames.map((__, j) => (i === j ? 50 + i : (i + j + opts.epochs) % 7)))
  const perClass = classNames.map((className, i) => {
    const row = confusionMatrix[i]!
    const support = row.reduce((a, b) => a + b, 0)
    return { className, precision: 0.8, recall: row[i]! / support, f1: 0.8, support }
  })
  const finalAcc = epochs.at(-1)!.valAccuracy!
  const config = ExperimentConfig.parse({
    name: opts.name,
    data: { datasetId: 'ds' },
    model: opts.kind === 'transfer' ? { kind: 'transfer', baseId: 'mobilenetv2' } : { kind: 'scratch' },
    training: { epochs: opts.epochs, seed: opts.seed ?? 1 },
  })
  return {
    id: opts.id,
    name: opts.name,
    status: 'completed',
    modelKind: opts.kind ?? 'scratch',
    baseId: null,
    datasetId: 'ds',
    configHash: `h-${opts.name}`,
    seed: opts.seed ?? 1,
    tags: [],
    createdAt: '2025-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    wallTimeMs: 60000 * opts.epochs,
    epochsDone: opts.epochs,
    final: {
      loss: epochs.at(-1)!.loss,
      accuracy: epochs.at(-1)!.accuracy,
      valLoss: epochs.at(-1)!.valLoss,
      valAccuracy: finalAcc,
    },
    bestValAccuracy: finalAcc,
    bestEpoch: opts.epochs,
    testAccuracy: finalAcc - 0.01,
    totalParams: opts.kind === 'transfer' ? 2_300_000 : 120_000,
    trainableParams: 100_000,
    imagesPerSecond: 320,
    backend: 'wasm',
    config,
    failureMessage: null,
    notes: '',
    phaseTimes: {},
    device: null,
    appVersion: '0.1.0',
    tfjsVersion: '4.22.0',
    datasetHash: null,
    sizes: null,
    modelSummary: null,
    phaseParams: [],
    nonTrainableParams: 0,
    modelSizeBytes: null,
    epochs,
    batchPoints,
    evaluation: {
      testLoss: 1,
      accuracy: finalAcc - 0.01,
      classNames,
      perClass,
      macro: { precision: 0.8, recall: 0.8, f1: 0.8 },
      weighted: { precision: 0.8, recall: 0.8, f1: 0.8 },
      confusionMatrix,
      mistakes: [],
      inferenceMsPerImage: 1,
      overfitting: {
        bestEpoch: opts.epochs,
        trainAccuracyAtBest: finalAcc + 0.03,
        valAccuracyAtBest: finalAcc,
        gap: 0.03,
        lowestValLossEpoch: opts.epochs,
      },
    },
    artifacts: [],
  }
}

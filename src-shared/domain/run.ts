import { z } from 'zod'
import { BackendName, ExperimentConfig } from './config'

export const RunStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'])
export type RunStatus = z.infer<typeof RunStatus>

/** 'train' is the only phase of a scratch run and phase 1 (frozen base) of a transfer run. */
export const Phase = z.enum(['train', 'finetune'])
export type Phase = z.infer<typeof Phase>

export const EpochMetric = z.object({
  phase: Phase,
  /** 1-based, counted across phases. */
  epoch: z.number().int().min(1),
  loss: z.number(),
  accuracy: z.number(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
  learningRate: z.number(),
  durationMs: z.number().min(0),
  imagesPerSecond: z.number().min(0),
})
export type EpochMetric = z.infer<typeof EpochMetric>

/** One point of a live curve; stored downsampled (min/max kept) so a run holds a few thousand. */
export const BatchPoint = z.object({
  phase: Phase,
  epoch: z.number().int().min(1),
  /** Global batch index since the run started, 1-based. */
  step: z.number().int().min(1),
  loss: z.number(),
  accuracy: z.number(),
})
export type BatchPoint = z.infer<typeof BatchPoint>

export const LayerSummary = z.object({
  name: z.string(),
  className: z.string(),
  outputShape: z.array(z.number().nullable()),
  params: z.number().int().min(0),
  trainable: z.boolean(),
})
export type LayerSummary = z.infer<typeof LayerSummary>

export const ModelSummary = z.object({
  layers: z.array(LayerSummary),
  totalParams: z.number().int().min(0),
  trainableParams: z.number().int().min(0),
  nonTrainableParams: z.number().int().min(0),
  flopsPerImage: z.number().min(0),
  sizeBytes: z.number().int().min(0),
  /**
   * How many of a transfer model's base BatchNormalization layers always run in inference mode (their
   * moving statistics), even when fine-tuning makes them trainable. Absent in older records.
   */
  inferenceBatchNorm: z.number().int().min(0).optional(),
})
export type ModelSummary = z.infer<typeof ModelSummary>

export const ClassMetrics = z.object({
  className: z.string(),
  precision: z.number(),
  recall: z.number(),
  f1: z.number(),
  support: z.number().int().min(0),
})
export type ClassMetrics = z.infer<typeof ClassMetrics>

export const AveragedMetrics = z.object({ precision: z.number(), recall: z.number(), f1: z.number() })

export const Mistake = z.object({
  /** Index of the image in the dataset's test split (not in the evaluated subset). */
  index: z.number().int().min(0),
  trueLabel: z.number().int().min(0),
  predictedLabel: z.number().int().min(0),
  confidence: z.number().min(0).max(1),
})
export type Mistake = z.infer<typeof Mistake>

export const Overfitting = z.object({
  /** Epoch with the best validation accuracy. */
  bestEpoch: z.number().int().min(1),
  trainAccuracyAtBest: z.number(),
  valAccuracyAtBest: z.number(),
  /** train minus validation accuracy at the best epoch. */
  gap: z.number(),
  lowestValLossEpoch: z.number().int().min(1),
})
export type Overfitting = z.infer<typeof Overfitting>

export const Evaluation = z.object({
  testLoss: z.number(),
  accuracy: z.number(),
  classNames: z.array(z.string()),
  perClass: z.array(ClassMetrics),
  macro: AveragedMetrics,
  weighted: AveragedMetrics,
  /** confusionMatrix[true][predicted] = count */
  confusionMatrix: z.array(z.array(z.number().int().min(0))),
  mistakes: z.array(Mistake),
  inferenceMsPerImage: z.number().min(0),
  overfitting: Overfitting.nullable(),
})
export type Evaluation = z.infer<typeof Evaluation>

export const ArtifactKind = z.enum(['checkpoint', 'model', 'features'])
export const Artifact = z.object({
  kind: ArtifactKind,
  /** Relative to the data directory. */
  path: z.string(),
  sizeBytes: z.number().int().min(0),
  sha256: z.string(),
  createdAt: z.string(),
})
export type Artifact = z.infer<typeof Artifact>

export const RunMetricsSnapshot = z.object({
  loss: z.number().nullable(),
  accuracy: z.number().nullable(),
  valLoss: z.number().nullable(),
  valAccuracy: z.number().nullable(),
})

/** A row of the History table. */
export const RunSummary = z.object({
  id: z.string(),
  name: z.string(),
  status: RunStatus,
  modelKind: z.enum(['scratch', 'transfer']),
  baseId: z.string().nullable(),
  datasetId: z.string(),
  configHash: z.string(),
  seed: z.number().int(),
  tags: z.array(z.string()),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  wallTimeMs: z.number().nullable(),
  epochsDone: z.number().int().min(0),
  final: RunMetricsSnapshot,
  bestValAccuracy: z.number().nullable(),
  bestEpoch: z.number().int().nullable(),
  testAccuracy: z.number().nullable(),
  totalParams: z.number().int().nullable(),
  trainableParams: z.number().int().nullable(),
  imagesPerSecond: z.number().nullable(),
  backend: BackendName.nullable(),
})
export type RunSummary = z.infer<typeof RunSummary>

/**
 * The parameters one phase trained and kept frozen, as the model stood when the phase began.
 * Recorded by the trainer; for runs from before that, derived from the model summary (see training-phases.ts).
 */
export const PhaseParams = z.object({
  phase: Phase,
  trainableParams: z.number().int().min(0),
  frozenParams: z.number().int().min(0),
  /** Layers with weights of the base made trainable in this phase (0 while the base is frozen). */
  unfrozenLayers: z.number().int().min(0),
  /** The first of those layers, null when none. */
  firstUnfrozenLayer: z.string().nullable(),
})
export type PhaseParams = z.infer<typeof PhaseParams>

export const RunDetail = RunSummary.extend({
  config: ExperimentConfig,
  failureMessage: z.string().nullable(),
  notes: z.string(),
  /** Wall time per phase (ms), e.g. { load: 120, train: 50000, finetune: 20000, evaluate: 900 }. */
  phaseTimes: z.record(z.string(), z.number()),
  device: z.string().nullable(),
  appVersion: z.string(),
  tfjsVersion: z.string().nullable(),
  datasetHash: z.string().nullable(),
  sizes: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }).nullable(),
  modelSummary: ModelSummary.nullable(),
  /** Per phase, as recorded when it began; empty for runs from before it was recorded. */
  phaseParams: z.array(PhaseParams).default([]),
  nonTrainableParams: z.number().int().nullable(),
  modelSizeBytes: z.number().int().nullable(),
  epochs: z.array(EpochMetric),
  batchPoints: z.array(BatchPoint),
  evaluation: Evaluation.nullable(),
  artifacts: z.array(Artifact),
})
export type RunDetail = z.infer<typeof RunDetail>

/**
 * Whether training.resume takes the run: interrupted or cancelled, or failed after its first
 * checkpoint (a lost GPU, a full disk), which it continues from on whatever backend is chosen then.
 */
export function isResumable(run: Pick<RunDetail, 'status' | 'artifacts'>): boolean {
  if (run.status === 'interrupted' || run.status === 'cancelled') return true
  return run.status === 'failed' && run.artifacts.some((a) => a.kind === 'checkpoint')
}

/** Runs sharing a config hash (the same experiment over several seeds). */
export const RunGroup = z.object({
  configHash: z.string(),
  name: z.string(),
  runIds: z.array(z.string()),
  count: z.number().int(),
  /** metric name → mean and sample standard deviation over the group's completed runs. */
  stats: z.record(z.string(), z.object({ mean: z.number(), std: z.number(), n: z.number().int() })),
  /** Per epoch mean ± std of validation accuracy / loss, for bands in Compare. */
  epochBands: z.array(
    z.object({
      epoch: z.number().int(),
      valAccuracyMean: z.number().nullable(),
      valAccuracyStd: z.number().nullable(),
      valLossMean: z.number().nullable(),
      valLossStd: z.number().nullable(),
    }),
  ),
})
export type RunGroup = z.infer<typeof RunGroup>

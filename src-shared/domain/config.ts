import { z } from 'zod'

/**
 * Experiment configuration: the one schema that the forms, the CLI, the store (config hash) and the
 * engine all validate against. Field names follow Keras where Keras has a name for the idea.
 */

export const FillMode = z.enum(['nearest', 'reflect', 'constant'])

/** On-the-fly augmentation in the spirit of Keras' ImageDataGenerator. */
export const AugmentationConfig = z.object({
  enabled: z.boolean().default(false),
  rotationRange: z.number().min(0).max(180).default(0).describe('degrees'),
  widthShiftRange: z.number().min(0).max(1).default(0).describe('fraction of width'),
  heightShiftRange: z.number().min(0).max(1).default(0).describe('fraction of height'),
  horizontalFlip: z.boolean().default(false),
  zoomRange: z.number().min(0).max(1).default(0).describe('zoom in [1 - z, 1 + z]'),
  fillMode: FillMode.default('nearest'),
  cval: z.number().min(0).max(255).default(0).describe('fill value for fillMode constant'),
  seed: z.number().int().min(0).default(7),
})
export type AugmentationConfig = z.infer<typeof AugmentationConfig>

export const DataConfig = z.object({
  datasetId: z.string().min(1, 'choose a dataset'),
  validationSplit: z.number().min(0.01).max(0.5).default(0.1),
  /** Stratified, seeded subset of the training split (after the validation split); null = all. */
  trainSubset: z.number().int().min(10).nullable().default(null),
  /** Stratified, seeded subset of the test split; null = all. */
  testSubset: z.number().int().min(10).nullable().default(null),
  splitSeed: z.number().int().min(0).default(42),
})
export type DataConfig = z.infer<typeof DataConfig>

export const ScratchModelConfig = z
  .object({
    kind: z.literal('scratch'),
    convBlocks: z.number().int().min(1).max(6).default(2),
    /** Filters per block; its length must equal convBlocks. */
    filters: z.array(z.number().int().min(1).max(1024)).min(1).default([32, 64]),
    kernelSize: z.number().int().min(1).max(7).default(3),
    convsPerBlock: z.number().int().min(1).max(4).default(1),
    batchNorm: z.boolean().default(false),
    dropout: z.number().min(0).max(0.9).default(0),
    denseUnits: z.number().int().min(1).max(8192).default(512),
    pooling: z.enum(['flatten', 'gap']).default('flatten'),
  })
  .refine((m) => m.filters.length === m.convBlocks, {
    message: 'give one filter count per conv block',
    path: ['filters'],
  })
export type ScratchModelConfig = z.infer<typeof ScratchModelConfig>

/** The assignment's CNN: Conv(32)-Pool-Conv(64)-Pool-Flatten-Dense(512)-Dense(10). */
export const SEED_CNN: ScratchModelConfig = {
  kind: 'scratch',
  convBlocks: 2,
  filters: [32, 64],
  kernelSize: 3,
  convsPerBlock: 1,
  batchNorm: false,
  dropout: 0,
  denseUnits: 512,
  pooling: 'flatten',
}
export const SEED_CNN_NAME = 'Seed CNN'

export const InputSize = z.union([z.literal(32), z.literal(64), z.literal(96), z.literal(128), z.literal(160), z.literal(224)])
export type InputSize = z.infer<typeof InputSize>
/** The sizes InputSize accepts, smallest first (for lists and messages). */
export const INPUT_SIZES: readonly InputSize[] = InputSize.options.map((o) => o.value)

export const FineTuneConfig = z
  .object({
    enabled: z.boolean().default(false),
    epochs: z.number().int().min(1).max(1000).default(3),
    learningRate: z.number().positive().max(1).default(1e-4),
    /** Unfreeze the last N layers of the base (layers with weights counted)… */
    trainableLayers: z.number().int().min(1).nullable().default(20),
    /** …or every layer from this named layer on (wins over trainableLayers). */
    fromLayer: z.string().min(1).nullable().default(null),
  })
  .refine((f) => !f.enabled || f.trainableLayers !== null || f.fromLayer !== null, {
    message: 'fine-tuning needs trainableLayers or fromLayer',
    path: ['trainableLayers'],
  })
export type FineTuneConfig = z.infer<typeof FineTuneConfig>

export const TransferModelConfig = z.object({
  kind: z.literal('transfer'),
  /** Id of a registered base model (see models.list), e.g. "mobilenetv2-imagenet". */
  baseId: z.string().min(1, 'choose a base model'),
  /** Cut the base at this layer; null = the base's default feature layer. */
  cutLayer: z.string().min(1).nullable().default(null),
  inputSize: InputSize.default(96),
  headPooling: z.enum(['gap', 'flatten']).default('gap'),
  headUnits: z.number().int().min(1).max(8192).default(256),
  headDropout: z.number().min(0).max(0.9).default(0.5),
  fineTune: FineTuneConfig.prefault({}),
})
export type TransferModelConfig = z.infer<typeof TransferModelConfig>

export const ModelConfig = z.discriminatedUnion('kind', [ScratchModelConfig, TransferModelConfig])
export type ModelConfig = z.infer<typeof ModelConfig>

export const MonitoredMetric = z.enum(['val_loss', 'val_accuracy'])

export const EarlyStoppingConfig = z.object({
  enabled: z.boolean().default(false),
  monitor: MonitoredMetric.default('val_loss'),
  patience: z.number().int().min(0).default(3),
  minDelta: z.number().min(0).default(0),
  restoreBestWeights: z.boolean().default(true),
})

export const ReduceLrConfig = z.object({
  enabled: z.boolean().default(false),
  monitor: MonitoredMetric.default('val_loss'),
  factor: z.number().gt(0).lt(1).default(0.5),
  patience: z.number().int().min(0).default(2),
  minLr: z.number().min(0).default(1e-6),
})

export const TrainingConfig = z.object({
  epochs: z.number().int().min(1).max(1000).default(10),
  batchSize: z.number().int().min(1).max(2048).default(64),
  optimizer: z.enum(['adam', 'sgd', 'rmsprop']).default('adam'),
  learningRate: z.number().positive().max(1).default(1e-3),
  /** Seed for weight initialisation and shuffling. */
  seed: z.number().int().min(0).default(42),
  earlyStopping: EarlyStoppingConfig.prefault({}),
  reduceLrOnPlateau: ReduceLrConfig.prefault({}),
})
export type TrainingConfig = z.infer<typeof TrainingConfig>

export const BackendName = z.enum(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'])
export type BackendName = z.infer<typeof BackendName>

export const ExperimentConfig = z.object({
  name: z.string().trim().min(1, 'give the experiment a name').max(200),
  data: DataConfig,
  model: ModelConfig,
  training: TrainingConfig.prefault({}),
  augmentation: AugmentationConfig.prefault({}),
  /** Force a backend for this run; null = the best available. */
  backend: BackendName.nullable().default(null),
})
export type ExperimentConfig = z.infer<typeof ExperimentConfig>
/** What a caller may send: defaults filled in by the schema. */
export type ExperimentConfigInput = z.input<typeof ExperimentConfig>

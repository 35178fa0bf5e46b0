import { z } from 'zod'
import { AugmentationConfig, ExperimentConfig, InputSize } from '../domain/config'
import { MAX_SEEDS } from '../domain/experiment-plan'
import { DatasetInfo, ImageSample, SplitName } from '../domain/dataset'
import { BaseFamily, BaseModelInfo } from '../domain/model'
import { RunDetail, RunGroup, RunStatus, RunSummary } from '../domain/run'
import { DoctorReport, Settings } from '../domain/system'
import { QueueState } from './events'
import { method } from './define'

const Id = z.object({ id: z.string().min(1) })
const Empty = z.object({}).strict()
const Done = z.object({ ok: z.literal(true) })
/** Client-chosen id that tags a long job's job.progress events, so a caller can follow its own job. */
const JobId = z.string().min(1).max(100).optional()

// ---------------------------------------------------------------- system
export const systemMethods = {
  'system.doctor': method(Empty, DoctorReport, 'Backend, threads, SIMD, versions, CPU/GPU, data directory.'),
  'system.getSettings': method(Empty, Settings, 'User settings (backend, threads, language, theme).'),
  'system.updateSettings': method(Settings.partial(), Settings, 'Change some settings; returns them all.'),
}

// ---------------------------------------------------------------- datasets
export const DatasetImportRequest = z.object({
  /** A .tar.gz/.tar/.zip archive or a folder: CIFAR-10 binary, CIFAR-10 python, or images per class. */
  path: z.string().min(1, 'give a file or folder'),
  name: z.string().trim().min(1).max(200).optional(),
  /** Image folders only: resize every image to this square size. */
  imageSize: z.number().int().min(8).max(512).default(32),
  /** Image folders with one folder per class (no train/test): fraction kept for test. */
  testRatio: z.number().gt(0).lt(1).default(0.2),
  splitSeed: z.number().int().min(0).default(42),
  /** Also the id datasets.cancel takes. */
  jobId: JobId,
})

export const DatasetPreviewRequest = z.object({
  id: z.string().min(1),
  split: SplitName.default('train'),
  perClass: z.number().int().min(0).max(20).default(4),
  /** Show one image under K random augmentations. */
  augmentation: AugmentationConfig.optional(),
  augmentCount: z.number().int().min(1).max(32).default(8),
  seed: z.number().int().min(0).default(1),
})
export const DatasetPreview = z.object({
  samples: z.array(ImageSample),
  augmented: z.object({ original: ImageSample, variants: z.array(z.string()) }).nullable(),
})
export type DatasetPreview = z.infer<typeof DatasetPreview>

export const datasetMethods = {
  'datasets.list': method(Empty, z.array(DatasetInfo), 'Datasets in the cache.'),
  'datasets.get': method(Id, DatasetInfo, 'One dataset.'),
  'datasets.import': method(DatasetImportRequest, DatasetInfo, 'Validate, decode and cache a dataset (job.progress events).'),
  'datasets.download': method(
    z.object({ url: z.url().optional(), jobId: JobId }),
    DatasetInfo,
    'Download the official CIFAR-10 binary archive, check its MD5 and import it.',
  ),
  'datasets.cancel': method(z.object({ jobId: z.string().min(1) }), Done, 'Cancel an import or download.'),
  'datasets.findKerasCache': method(
    Empty,
    z.object({ path: z.string().nullable() }),
    'Find ~/.keras/datasets/cifar-10-batches-py.',
  ),
  'datasets.delete': method(Id, Done, 'Remove a dataset and its cache files.'),
  'datasets.preview': method(DatasetPreviewRequest, DatasetPreview, 'Sample images per class and an augmentation grid.'),
  'datasets.images': method(
    z.object({ id: z.string().min(1), split: SplitName, indices: z.array(z.number().int().min(0)).max(200) }),
    z.array(ImageSample),
    'Images by index (e.g. the most confident mistakes).',
  ),
}

// ---------------------------------------------------------------- models
export const modelMethods = {
  'models.list': method(Empty, z.array(BaseModelInfo), 'Registered pretrained bases.'),
  'models.get': method(Id, BaseModelInfo, 'One base with its summary.'),
  'models.import': method(
    z.object({
      /** A TensorFlow.js LayersModel folder (model.json) or a Keras .h5 weights file. */
      path: z.string().min(1, 'give a model.json folder or an .h5 file'),
      name: z.string().trim().min(1).max(200).optional(),
      family: BaseFamily.optional(),
      jobId: JobId,
    }),
    BaseModelInfo,
    'Register a base model (validated: layers, shapes, weights).',
  ),
  'models.download': method(
    z.object({ name: z.enum(['vgg16', 'mobilenetv2']), jobId: JobId }),
    BaseModelInfo,
    'Download a canonical Keras Applications no-top file, check its hash and register it.',
  ),
  'models.delete': method(Id, Done, 'Unregister a base (and delete its copied files).'),
}

// ---------------------------------------------------------------- runs
export const RunSortKey = z.enum([
  'createdAt',
  'name',
  'status',
  'modelKind',
  'testAccuracy',
  'bestValAccuracy',
  'finalValAccuracy',
  'totalParams',
  'wallTimeMs',
  'imagesPerSecond',
])
export const RunListQuery = z.object({
  status: z.array(RunStatus).optional(),
  modelKind: z.enum(['scratch', 'transfer']).optional(),
  tag: z.string().min(1).optional(),
  /** Matches name and notes (case-insensitive substring). */
  text: z.string().min(1).optional(),
  sortBy: RunSortKey.default('createdAt'),
  sortDir: z.enum(['asc', 'desc']).default('desc'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(50),
})
export type RunListQuery = z.input<typeof RunListQuery>

/** Portable export: a manifest with full run records plus each run's epoch metrics as CSV. */
export const RunBundle = z.object({
  format: z.literal('cifar-workbench-runs'),
  version: z.literal(1),
  exportedAt: z.string(),
  appVersion: z.string(),
  runs: z.array(RunDetail),
  /** runId → CSV of epoch metrics (header + one row per epoch). */
  epochCsv: z.record(z.string(), z.string()),
})
export type RunBundle = z.infer<typeof RunBundle>

/** A completed transfer run and the input size it ran at: the evidence of the input-size note. */
export const SizedTransferRun = z.object({
  id: z.string(),
  name: z.string(),
  datasetId: z.string(),
  inputSize: z.number().int().min(1),
  testAccuracy: z.number(),
})
export type SizedTransferRun = z.infer<typeof SizedTransferRun>

/** The most runs one comparison shows side by side. */
export const COMPARE_LIMIT = 10

export const runMethods = {
  'runs.list': method(
    RunListQuery,
    z.object({ total: z.number().int(), items: z.array(RunSummary) }),
    'Filtered, sorted, paginated runs.',
  ),
  'runs.get': method(Id, RunDetail, 'One run in full: config, epochs, batch points, evaluation, artifacts.'),
  'runs.compare': method(
    z.object({ ids: z.array(z.string().min(1)).min(1).max(COMPARE_LIMIT) }),
    z.array(RunDetail),
    'Several runs in one call, in the order asked.',
  ),
  'runs.groups': method(
    z.object({ ids: z.array(z.string().min(1)).max(200).optional() }),
    z.array(RunGroup),
    'Runs grouped by config hash (same experiment, several seeds) with mean ± std.',
  ),
  'runs.inputSizes': method(
    z.object({ baseId: z.string().min(1), datasetId: z.string().min(1).optional() }),
    z.array(SizedTransferRun),
    'Completed transfer runs on a base (optionally one dataset) with their input size and test accuracy, newest first.',
  ),
  'runs.tag': method(
    z.object({
      id: z.string().min(1),
      add: z.array(z.string().trim().min(1).max(50)).default([]),
      remove: z.array(z.string()).default([]),
    }),
    RunSummary,
    'Add or remove tags.',
  ),
  'runs.note': method(
    z.object({ id: z.string().min(1), notes: z.string().max(20000) }),
    RunSummary,
    'Replace the free-text notes.',
  ),
  'runs.rename': method(
    z.object({ id: z.string().min(1), name: z.string().trim().min(1).max(200) }),
    RunSummary,
    'Rename a run.',
  ),
  'runs.delete': method(
    z.object({ ids: z.array(z.string().min(1)).min(1) }),
    z.object({ deleted: z.number().int() }),
    'Delete runs with their artifacts.',
  ),
  'runs.export': method(z.object({ ids: z.array(z.string().min(1)).min(1) }), RunBundle, 'A portable bundle of runs.'),
  'runs.import': method(
    z.object({ bundle: RunBundle }),
    z.object({ imported: z.array(z.string()), skipped: z.array(z.string()) }),
    'Import a bundle; runs already present (same id) are skipped.',
  ),
}

// ---------------------------------------------------------------- training
export const Preset = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  builtIn: z.boolean(),
  config: ExperimentConfig.omit({ data: true }).extend({ data: ExperimentConfig.shape.data.partial() }),
})
export type Preset = z.infer<typeof Preset>

export const trainingMethods = {
  'training.start': method(
    z.object({
      config: ExperimentConfig,
      /** Repeat the same config over these seeds (training.seed and augmentation.seed); one run each. */
      seeds: z.array(z.number().int().min(0)).max(MAX_SEEDS).optional(),
    }),
    z.object({ runIds: z.array(z.string()) }),
    'Queue one run (or one per seed); they run one after another in the training worker.',
  ),
  'training.cancel': method(
    z.object({ runId: z.string().min(1) }),
    Done,
    'Cancel a queued or running run (finished epochs are kept).',
  ),
  'training.resume': method(
    z.object({ runId: z.string().min(1) }),
    z.object({ runId: z.string() }),
    'Resume an interrupted or cancelled run, or a failed one after its first checkpoint, from its last checkpoint.',
  ),
  'training.queue': method(Empty, QueueState, 'The running run and those waiting.'),
  'training.presets': method(Empty, z.array(Preset), 'Built-in presets and the user’s saved configs.'),
  'training.savePreset': method(
    z.object({
      name: z.string().trim().min(1).max(200),
      description: z.string().max(2000).default(''),
      config: ExperimentConfig,
    }),
    Preset,
    'Save a config as a preset.',
  ),
  'training.deletePreset': method(Id, Done, 'Delete a saved preset.'),
  'training.inputSizes': method(Empty, z.array(InputSize), 'Input sizes a transfer base can be upscaled to.'),
}

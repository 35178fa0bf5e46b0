import type { PhasePlan } from '@shared/domain/phases'
import { Augmenter, type LoadedDataset } from '../../data'
import type { BuiltModel } from '../architectures'
import { countPhaseParams } from '../architectures/phase-params'
import type { PhaseSetup } from './callbacks'
import { loadOrComputeFeatures, type FeatureKeyParts, type FeatureSet } from './feature-cache'
import { fineTuneBoundary, type FineTuneBoundary } from './finetune-boundary'
import { chainForward, frozenBaseForward, modelForward, splitHead, type Forward } from './forward'
import type { RunJob, WorkerMessage } from './messages'
import type * as tf from '../tf'
import { epochSeed } from './rng'
import { FeatureSplit, PixelSplit, type SplitSource } from './sources'

/** The dataset of a run, cut into its splits (dataset indices per split). */
export interface RunData {
  dataset: LoadedDataset
  splits: { train: Int32Array; validation: Int32Array; test: Int32Array }
}

/** What the test split is predicted from: the inputs the last phase trained on, and the matching forward pass. */
export interface TestInput {
  forward: Forward
  split: SplitSource
  /** True when `split` holds cached base outputs rather than pixels (their timing says nothing about the model). */
  cached: boolean
}

/**
 * Which inputs each phase of a run trains on: pixels through the whole model, or, when that is exact
 * (no augmentation), rows cached once: the frozen base's features for the head in phase 1, and the
 * frozen prefix's activations for fine-tuning.
 */
export class RunInputs {
  readonly pixels: { train: PixelSplit; validation: PixelSplit; test: PixelSplit }
  private readonly augmentFor: PhaseSetup['augmentFor']
  private readonly headCut: ReturnType<typeof splitHead> | null
  private features: FeatureSet | null = null
  private activations: { boundary: FineTuneBoundary; set: FeatureSet } | null = null
  private lastOnFeatures = false
  /** The base layers the current phase unfroze (with weights). */
  private unfrozen: string[] = []
  private readonly boundaries: FineTuneBoundary[] = []

  constructor(
    private readonly job: RunJob,
    private readonly data: RunData,
    private readonly built: BuiltModel,
    private readonly emit: (message: WorkerMessage) => void,
    private readonly isCancelled: () => boolean,
    /** resizeOnDevice: the pixels stay at the images' size; whoever computes resizes them (the GPU engine). */
    options: { resizeOnDevice?: boolean } = {},
  ) {
    const { dataset, splits } = data
    const { height, width } = dataset.info.imageSize
    const pixel = (split: 'train' | 'test', indices: Int32Array) =>
      new PixelSplit({
        images: dataset[split].images,
        labels: dataset[split].labels,
        height,
        width,
        indices,
        preprocessing: built.preprocessing,
        inputSize: options.resizeOnDevice ? height : built.inputSize,
      })
    this.pixels = {
      train: pixel('train', splits.train),
      validation: pixel('train', splits.validation),
      test: pixel('test', splits.test),
    }
    const aug = job.config.augmentation
    this.augmentFor = aug.enabled
      ? (epoch: number) => {
          const augmenter = new Augmenter(aug, epochSeed(aug.seed, epoch, 0x5eed))
          return (pixels: Uint8Array, n: number) => augmenter.augmentBatch(pixels, n, height, width)
        }
      : null
    this.headCut = built.head ? splitHead(built.head) : null
  }

  /**
   * The feature cache step: phase 1 of a transfer run without augmentation trains the head on the
   * frozen base's features, computed once (or read from an earlier run). Nothing to do when phase 1
   * is already behind a resumed run.
   */
  async prepareHeadFeatures(phase1Pending: boolean): Promise<void> {
    const { job, built, headCut } = this
    const { config } = job
    if (
      !job.featureCache ||
      config.model.kind !== 'transfer' ||
      config.augmentation.enabled ||
      !built.featureExtractor ||
      !headCut ||
      !phase1Pending
    )
      return
    const cutLayer = config.model.cutLayer ?? job.base?.defaultCutLayer ?? ''
    this.features = await this.cache('features', built.featureExtractor, { cutLayer, pooled: headCut.pooled }, cutLayer)
  }

  /**
   * The trainer's setupPhase: freezes the model for the phase and picks what it trains on; the run
   * records what the phase trains and keeps frozen.
   */
  async setupPhase(plan: PhasePlan): Promise<PhaseSetup> {
    this.unfrozen = []
    const setup = await this.setupFor(plan)
    this.emit({ type: 'phaseParams', params: countPhaseParams(this.built.model, plan.phase, this.unfrozen) })
    return setup
  }

  private async setupFor(plan: PhasePlan): Promise<PhaseSetup> {
    const { built, pixels, augmentFor, headCut, features } = this
    const whole = (): PhaseSetup => ({
      model: built.model,
      forward: modelForward(built.model),
      train: pixels.train,
      validation: pixels.validation,
      augmentFor,
    })
    this.lastOnFeatures = false
    if (this.job.config.model.kind === 'scratch' || !built.featureExtractor || !built.head) return whole()
    if (plan.phase === 'train') {
      built.setPhase('train')
      if (features && headCut) {
        this.lastOnFeatures = true
        return { model: built.model, forward: chainForward(headCut.rest), ...this.rowSplits(features), augmentFor: null }
      }
      return {
        model: built.model,
        forward: frozenBaseForward(built.featureExtractor, built.head),
        train: pixels.train,
        validation: pixels.validation,
        augmentFor,
      }
    }
    this.unfrozen = built.setPhase('finetune', plan.fineTune).trainableLayerNames
    // Phase 1's features are done with: their memory goes before the activations take theirs.
    this.features = null
    this.activations = this.job.featureCache && !this.job.config.augmentation.enabled ? await this.fineTuneActivations() : null
    if (this.activations) {
      return {
        model: built.model,
        forward: modelForward(this.activations.boundary.suffix),
        ...this.rowSplits(this.activations.set),
        augmentFor: null,
      }
    }
    return whole()
  }

  /** The graphs built here over the model's layers (fine-tuning's prefix and suffix), for disposal with the model. */
  derivedModels(): tf.LayersModel[] {
    return this.boundaries.flatMap((b) => [b.suffix, b.prefix])
  }

  /** The test split as the last trained phase saw its inputs, so evaluation reuses the same cache. */
  testInput(): TestInput {
    const { activations, features, headCut, pixels } = this
    if (activations) {
      return { forward: modelForward(activations.boundary.suffix), split: this.testRows(activations.set), cached: true }
    }
    if (this.lastOnFeatures && features && headCut)
      return { forward: chainForward(headCut.rest), split: this.testRows(features), cached: true }
    return { forward: modelForward(this.built.model), split: pixels.test, cached: false }
  }

  /** Fine-tuning from cached activations at the last exact point before the first trainable layer. */
  private async fineTuneActivations(): Promise<{ boundary: FineTuneBoundary; set: FeatureSet } | null> {
    const boundary = fineTuneBoundary(this.built.model)
    if (!boundary) return null
    this.boundaries.push(boundary)
    const set = await this.cache('activations', boundary.prefix, { cutLayer: boundary.layer, pooled: false }, boundary.layer)
    return { boundary, set }
  }

  /** Reads or computes one cache of base outputs over all three splits, reporting progress. */
  private async cache(
    cache: 'features' | 'activations',
    extractor: BuiltModel['model'],
    cut: Pick<FeatureKeyParts, 'cutLayer' | 'pooled'>,
    layer: string,
  ): Promise<FeatureSet> {
    const { job, data, built, pixels } = this
    const { splits } = data
    const parts: FeatureKeyParts = {
      datasetHash: data.dataset.info.source.sha256,
      baseSha256: job.base?.sha256 ?? '',
      inputSize: built.inputSize,
      ...cut,
      splits: { train: splits.train, validation: splits.validation, test: splits.test },
    }
    const total = splits.train.length + splits.validation.length + splits.test.length
    let lastEmit = 0
    const set = await loadOrComputeFeatures({
      dataDir: job.dataDir,
      parts,
      featureExtractor: extractor,
      sources: pixels,
      batchSize: Math.min(128, Math.max(32, job.config.training.batchSize)),
      memoryLimitBytes: job.cacheMemoryMb * 1024 * 1024,
      isCancelled: this.isCancelled,
      onProgress: (done, all) => {
        const now = performance.now()
        if (now - lastEmit < 250 && done < all) return
        lastEmit = now
        this.emit({
          type: 'features',
          cache,
          stage: 'computing',
          done,
          total: all,
          key: '',
          layer: null,
          memoryBytes: 0,
          diskBytes: 0,
          limitMb: job.cacheMemoryMb,
        })
      },
    })
    this.emit({
      type: 'features',
      cache,
      stage: set.hit ? 'hit' : 'stored',
      done: total,
      total,
      key: set.key,
      layer,
      memoryBytes: set.memoryBytes,
      diskBytes: set.diskBytes,
      limitMb: job.cacheMemoryMb,
    })
    return set
  }

  private rowSplits(set: FeatureSet): { train: FeatureSplit; validation: FeatureSplit } {
    return {
      train: new FeatureSplit(set.rows.train, set.rowShape, this.pixels.train.labels),
      validation: new FeatureSplit(set.rows.validation, set.rowShape, this.pixels.validation.labels),
    }
  }

  private testRows(set: FeatureSet): FeatureSplit {
    return new FeatureSplit(set.rows.test, set.rowShape, this.pixels.test.labels)
  }
}

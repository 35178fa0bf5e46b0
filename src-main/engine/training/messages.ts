import { z } from 'zod'
import { GpuEngineEvent, GpuEngineRequest } from '@shared/contract/gpu-engine'
import { RunProgressEvent } from '@shared/contract/events'
import { BackendName, ExperimentConfig } from '@shared/domain/config'
import { DatasetInfo } from '@shared/domain/dataset'
import { BaseModelInfo } from '@shared/domain/model'
import { DEFAULT_CACHE_MEMORY_MB, WebGpuAdapterInfo } from '@shared/domain/system'
import { Artifact, BatchPoint, EpochMetric, ModelSummary, PhaseParams } from '@shared/domain/run'
import { BackendForcedBy } from '../backend/forced'

/** The typed protocol between the TrainingService (main thread) and the training worker. */

/** What the worker is asked to do (its workerData). */
export const RunJob = z.object({
  runId: z.string().min(1),
  dataDir: z.string().min(1),
  config: ExperimentConfig,
  configHash: z.string(),
  dataset: DatasetInfo,
  base: BaseModelInfo.nullable(),
  /** Continue from the run's last checkpoint (when there is one). */
  resume: z.boolean(),
  backend: BackendName.nullable(),
  threads: z.number().int().min(1).nullable(),
  /** Who forced `backend` (null: automatic choice), so a backend that cannot start names where to change it. */
  backendForcedBy: BackendForcedBy.nullable().default(null),
  appVersion: z.string(),
  /** Train the head of a frozen base on cached features when exact (no augmentation). */
  featureCache: z.boolean().default(true),
  /** Most MB of cached rows held in memory (Settings.cacheMemoryMb); the rest is read from disk per batch. */
  cacheMemoryMb: z.number().min(0).default(DEFAULT_CACHE_MEMORY_MB),
  /** Minimum ms between two batch progress messages. */
  batchThrottleMs: z.number().min(0).default(100),
  /**
   * The main process can lend this run its GPU engine page (Chromium's WebGPU, the desktop app): a
   * run forced to webgpu computes there, and an automatic one does when it has a hardware adapter
   * and no CUDA GPU is found here.
   */
  gpuHost: z.boolean().default(false),
})
export type RunJob = z.infer<typeof RunJob>
export type RunJobInput = z.input<typeof RunJob>

export const StartInfo = z.object({
  backend: BackendName,
  device: z.string().nullable(),
  tfjsVersion: z.string().nullable(),
  appVersion: z.string(),
  datasetHash: z.string().nullable(),
  sizes: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
  modelSummary: ModelSummary,
  modelSizeBytes: z.number().int().nullable(),
})

export const WorkerMessage = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('started'),
    info: StartInfo,
    resumedFromEpoch: z.number().int().min(0),
    /**
     * A resumed run's epochs as its checkpoint has them. The checkpoint can be a step ahead of the store
     * (the process died after the checkpoint's rename, before the epoch's message was recorded), so
     * the store takes these first and no epoch is lost.
     */
    restoredEpochs: z.array(EpochMetric).default([]),
  }),
  /** Every run.progress event (batch, phase, epoch, evaluation, status) as the UI sees it. */
  z.object({ type: z.literal('progress'), event: RunProgressEvent }),
  z.object({ type: z.literal('batchPoints'), points: z.array(BatchPoint) }),
  z.object({ type: z.literal('phaseTime'), phase: z.string(), ms: z.number().min(0) }),
  /** The parameters a phase trains and keeps frozen, counted when the phase is set up. */
  z.object({ type: z.literal('phaseParams'), params: PhaseParams }),
  z.object({ type: z.literal('artifact'), artifact: Artifact }),
  z.object({
    type: z.literal('features'),
    /** features: the frozen base's output for the head (phase 1); activations: the frozen prefix's output for fine-tuning. */
    cache: z.enum(['features', 'activations']).default('features'),
    stage: z.enum(['hit', 'computing', 'stored']),
    done: z.number().int(),
    total: z.number().int(),
    key: z.string(),
    /** The layer whose output is cached (null while computing). */
    layer: z.string().nullable().default(null),
    /** Bytes of the cache held in memory and read from disk per batch (the job's cacheMemoryMb bound). */
    memoryBytes: z.number().int().min(0).default(0),
    diskBytes: z.number().int().min(0).default(0),
    limitMb: z.number().min(0).nullable().default(null),
  }),
  z.object({ type: z.literal('done'), status: z.enum(['completed', 'failed', 'cancelled']), message: z.string().nullable() }),
  /** Asks the main process for its GPU engine (job.gpuHost); answered by gpuConnected or gpuUnavailable. */
  z.object({ type: z.literal('gpuConnect'), allowSoftwareAdapter: z.boolean() }),
  /** A request for the GPU engine, relayed as it is. */
  z.object({ type: z.literal('gpu'), request: GpuEngineRequest }),
])
export type WorkerMessage = z.infer<typeof WorkerMessage>

/** What the main process sends a training worker (besides the cancel flag it shares). */
export const WorkerInbound = z.discriminatedUnion('type', [
  z.object({ type: z.literal('gpuConnected'), adapter: WebGpuAdapterInfo }),
  z.object({ type: z.literal('gpuUnavailable'), reason: z.string() }),
  /** An event of the GPU engine, relayed as it is. */
  z.object({ type: z.literal('gpu'), event: GpuEngineEvent }),
])
export type WorkerInbound = z.infer<typeof WorkerInbound>

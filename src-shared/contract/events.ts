import { z } from 'zod'
import { BackendName } from '../domain/config'
import { EpochMetric, Evaluation, Phase, RunStatus, RunSummary } from '../domain/run'

const runId = z.string()

export const RunBatchEvent = z.object({
  type: z.literal('batch'),
  runId,
  phase: Phase,
  epoch: z.number().int(),
  /** Global batch index since the run started, 1-based. */
  step: z.number().int(),
  batch: z.number().int(),
  batchesPerEpoch: z.number().int(),
  loss: z.number(),
  accuracy: z.number(),
  learningRate: z.number(),
  imagesPerSecond: z.number(),
  etaSeconds: z.number().nullable(),
  tensors: z.number().int(),
  memoryBytes: z.number(),
  backend: BackendName,
})

export const RunProgressEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), runId, status: RunStatus, message: z.string().nullable() }),
  z.object({ type: z.literal('phase'), runId, phase: Phase, learningRate: z.number(), backend: BackendName }),
  RunBatchEvent,
  z.object({
    type: z.literal('epoch'),
    runId,
    metric: EpochMetric,
    totalEpochs: z.number().int(),
    etaSeconds: z.number().nullable(),
    tensors: z.number().int(),
    memoryBytes: z.number(),
  }),
  z.object({ type: z.literal('evaluation'), runId, evaluation: Evaluation }),
])
export type RunProgressEvent = z.infer<typeof RunProgressEvent>

export const JobKind = z.enum(['dataset-import', 'dataset-download', 'model-import', 'model-download', 'feature-cache'])

/** Progress of a long job (import, download, feature extraction). */
export const JobProgressEvent = z.object({
  jobId: z.string(),
  kind: JobKind,
  stage: z.string(),
  done: z.number(),
  /** null when the total is not known yet. */
  total: z.number().nullable(),
  message: z.string().nullable(),
})
export type JobProgressEvent = z.infer<typeof JobProgressEvent>

export const QueueState = z.object({
  current: RunSummary.nullable(),
  queued: z.array(RunSummary),
})
export type QueueState = z.infer<typeof QueueState>

/** Every event stream of the contract, by name. */
export const events = {
  'run.progress': RunProgressEvent,
  'job.progress': JobProgressEvent,
  'queue.changed': QueueState,
} as const

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<E extends EventName> = z.infer<Events[E]>
export type AnyEvent = { [E in EventName]: { event: E; payload: EventPayload<E> } }[EventName]

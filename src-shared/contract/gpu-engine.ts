// The messages between the main process and the GPU engine page: a hidden window that trains on
// Chromium's own WebGPU where the engine cannot load Dawn (Electron). Data goes in as typed arrays
// (transferred, not copied), losses and weights come back the same way. Both ends parse every message.
import { z } from 'zod'
import { ScratchModelConfig } from '../domain/config'
import { WebGpuAdapterInfo } from '../domain/system'

export { GPU_ENGINE_PORT_MESSAGE } from '../transport/gpu-engine-channel'

const float32 = z.instanceof(Float32Array)
const int32 = z.instanceof(Int32Array)
const shape = z.array(z.number().int().min(1)).min(1)

/** One weight in the engine's canonical order (engine/training/weights.ts `allWeights`). */
export const GpuTensor = z
  .object({ name: z.string().min(1), shape, values: float32 })
  .refine((t) => t.values.length === t.shape.reduce((a, b) => a * b, 1), {
    message: 'values.length does not match the product of shape',
  })
export type GpuTensor = z.infer<typeof GpuTensor>

/** Images NHWC (preprocessed, float32) and their integer labels. */
export const GpuBatch = z
  .object({
    x: float32,
    shape: z.tuple([z.number().int().min(1), z.number().int().min(1), z.number().int().min(1), z.literal(3)]),
    labels: int32,
  })
  .refine((b) => b.x.length === b.shape[0] * b.shape[1] * b.shape[2] * 3, { message: 'x.length does not match shape' })
  .refine((b) => b.labels.length === b.shape[0], { message: 'labels.length differs from the batch size' })
export type GpuBatch = z.infer<typeof GpuBatch>

/**
 * Adam's state between jobs: its step count and every moment slot in the optimizer's own order
 * (tfjs' getWeights without the iteration count). A run split into jobs (one per epoch) passes each
 * job's final state to the next, so it trains exactly as one long job would.
 */
export const GpuOptimizerState = z.object({
  iterations: z.number().int().min(0),
  slots: z.array(GpuTensor),
  /** beta1^t and beta2^t as the optimizer multiplied them (float32): recomputing them rounds differently. */
  betaPowers: z.tuple([z.number(), z.number()]),
})
export type GpuOptimizerState = z.infer<typeof GpuOptimizerState>

export const GpuTrainJob = z.object({
  type: z.literal('train'),
  jobId: z.string().min(1),
  model: z.object({
    config: ScratchModelConfig,
    numClasses: z.number().int().min(2),
    imageSize: z.number().int().min(1),
    seed: z.number().int(),
  }),
  /** Every weight of the model; the page trains from exactly these. */
  weights: z.array(GpuTensor).min(1),
  /** The optimizer's state after the previous job; absent for a fresh optimizer. */
  optimizer: GpuOptimizerState.optional(),
  batches: z.array(GpuBatch).min(1),
  hyperparameters: z.object({
    optimizer: z.literal('adam'),
    learningRate: z.number().positive(),
    /** Optimizer steps; step i trains on batches[i % batches.length]. */
    steps: z.number().int().min(1),
  }),
})
export type GpuTrainJob = z.infer<typeof GpuTrainJob>

export const GpuEngineRequest = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    /** A software adapter (SwiftShader) computes on the CPU: only for correctness checks. */
    allowSoftwareAdapter: z.boolean(),
  }),
  GpuTrainJob,
  z.object({ type: z.literal('cancel'), jobId: z.string().min(1) }),
])
export type GpuEngineRequest = z.infer<typeof GpuEngineRequest>

export const GpuFaultKind = z.enum(['device-lost', 'out-of-memory', 'gpu-error', 'invalid-message', 'no-adapter', 'failed'])
export type GpuFaultKind = z.infer<typeof GpuFaultKind>

export const GpuEngineEvent = z.discriminatedUnion('type', [
  /** The answer to hello: the page's backend is webgpu on this adapter. */
  z.object({ type: z.literal('ready'), adapter: WebGpuAdapterInfo, tfjsBackend: z.literal('webgpu') }),
  z.object({ type: z.literal('step'), jobId: z.string(), step: z.number().int().min(0), loss: z.number() }),
  z.object({
    type: z.literal('done'),
    jobId: z.string(),
    /** The tfjs backend that computed the job, read when it finished. */
    backend: z.string(),
    losses: z.array(z.number()),
    weights: z.array(GpuTensor),
    /** The optimizer's state after the last step, for the next job (or a checkpoint). */
    optimizer: GpuOptimizerState,
  }),
  z.object({ type: z.literal('cancelled'), jobId: z.string(), steps: z.number().int().min(0) }),
  /** jobId null: the page itself failed (no adapter, a lost device outside a job, an unreadable message). */
  z.object({ type: z.literal('error'), jobId: z.string().nullable(), kind: GpuFaultKind, message: z.string() }),
])
export type GpuEngineEvent = z.infer<typeof GpuEngineEvent>

// The messages between the main process and the GPU engine page: a hidden window that trains on
// Chromium's own WebGPU where the engine cannot load Dawn (Electron). Data goes in as typed arrays
// (transferred, not copied), losses and weights come back the same way. Both ends parse every message.
import { z } from 'zod'
import { FineTuneConfig, ModelConfig, ScratchModelConfig } from '../domain/config'
import { BaseModelInfo } from '../domain/model'
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
 * An optimizer's state between jobs: its step count and every slot in the optimizer's own order
 * (tfjs' getWeights without the iteration count). A run split into jobs (one per epoch) passes each
 * job's final state to the next, so it trains exactly as one long job would.
 */
export const GpuOptimizerState = z.object({
  iterations: z.number().int().min(0),
  slots: z.array(GpuTensor),
  /** Adam's beta1^t and beta2^t as it multiplied them (float32): recomputing them rounds differently. Null for others. */
  betaPowers: z.tuple([z.number(), z.number()]).nullable(),
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

/**
 * A training session: the page holds one run's model and optimizer for as long as the run trains,
 * and the main process sends it one call at a time (a batch to train on, a batch to evaluate, the
 * state to checkpoint). The run's loop, data, checkpoints and files stay in the main process.
 */
export const GpuSessionCall = z.discriminatedUnion('call', [
  z.object({
    call: z.literal('open'),
    model: z.object({
      config: ModelConfig,
      numClasses: z.number().int().min(2),
      imageSize: z.number().int().min(1),
      seed: z.number().int(),
    }),
    /** Transfer: the base as the run cut it (topology only, as tfjs' model.json has it); its weights come with `weights`. */
    base: z.object({ info: BaseModelInfo, topology: z.record(z.string(), z.unknown()) }).nullable(),
    /** Every weight of the model in canonical order (engine/training/weights.ts `allWeights`). */
    weights: z.array(GpuTensor).min(1),
  }),
  /** A phase begins: which layers train, and the optimizer (with the state a resumed run continues). */
  z.object({
    call: z.literal('phase'),
    phase: z.enum(['train', 'finetune']),
    fineTune: FineTuneConfig.nullable(),
    optimizer: z.enum(['adam', 'sgd', 'rmsprop']),
    learningRate: z.number().positive(),
    state: GpuOptimizerState.nullable(),
  }),
  /** One optimizer step on a batch (resized on the GPU when the model's input is larger). */
  z.object({ call: z.literal('step'), batch: GpuBatch }),
  /** Inference on a batch: the summed loss, the count right, and the probabilities when asked. */
  z.object({ call: z.literal('evaluate'), batch: GpuBatch, probabilities: z.boolean() }),
  /** The weights and optimizer state as they are now (for a checkpoint). */
  z.object({ call: z.literal('state') }),
  /** What the run changed between epochs: weights restored from a snapshot, a new learning rate. */
  z.object({ call: z.literal('update'), weights: z.array(GpuTensor).nullable(), learningRate: z.number().positive().nullable() }),
  z.object({ call: z.literal('close') }),
])
export type GpuSessionCall = z.infer<typeof GpuSessionCall>

export const GpuSessionResult = z.discriminatedUnion('call', [
  z.object({ call: z.literal('open'), trainableWeights: z.number().int().min(0) }),
  z.object({ call: z.literal('phase'), trainableWeights: z.number().int().min(0) }),
  z.object({ call: z.literal('step'), loss: z.number(), correct: z.number().int().min(0) }),
  z.object({
    call: z.literal('evaluate'),
    lossSum: z.number(),
    correct: z.number().int().min(0),
    probabilities: float32.nullable(),
  }),
  z.object({ call: z.literal('state'), weights: z.array(GpuTensor), optimizer: GpuOptimizerState.nullable() }),
  z.object({ call: z.literal('update') }),
  z.object({ call: z.literal('close') }),
])
export type GpuSessionResult = z.infer<typeof GpuSessionResult>

/** The typed result of each call. */
export type GpuSessionResultOf<C extends GpuSessionCall['call']> = Extract<GpuSessionResult, { call: C }>

export const GpuEngineRequest = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('hello'),
    /** A software adapter (SwiftShader) computes on the CPU: only for correctness checks. */
    allowSoftwareAdapter: z.boolean(),
  }),
  GpuTrainJob,
  z.object({ type: z.literal('cancel'), jobId: z.string().min(1) }),
  /** One call of a session; `seq` pairs it with its result. */
  z.object({ type: z.literal('session'), sessionId: z.string().min(1), seq: z.number().int().min(0), call: GpuSessionCall }),
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
  z.object({ type: z.literal('session-result'), sessionId: z.string(), seq: z.number().int().min(0), result: GpuSessionResult }),
  /** jobId null: the page itself failed (no adapter, a lost device outside a job, an unreadable message). */
  z.object({ type: z.literal('error'), jobId: z.string().nullable(), kind: GpuFaultKind, message: z.string() }),
])
export type GpuEngineEvent = z.infer<typeof GpuEngineEvent>

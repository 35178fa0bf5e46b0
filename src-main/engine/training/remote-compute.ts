// A run's batches computed by the GPU engine page (Chromium's WebGPU in the desktop app's hidden
// window) while the run itself stays here: data, the epoch loop, callbacks, checkpoints and files.
// The page holds the model and optimizer for the whole run (a session); this side sends it each batch
// and mirrors its weights and optimizer into this thread's model after every epoch, so early
// stopping, checkpoints and the exported model work on them as on any backend.
import type {
  GpuEngineEvent,
  GpuEngineRequest,
  GpuSessionCall,
  GpuSessionResult,
  GpuSessionResultOf,
} from '@shared/contract/gpu-engine'
import type { ModelConfig } from '@shared/domain/config'
import type { BaseModelInfo } from '@shared/domain/model'
import type { PhasePlan } from '@shared/domain/phases'
import type { WebGpuAdapterInfo } from '@shared/domain/system'
import type { BuiltModel } from '../architectures'
import * as tf from '../tf'
import { batchRanges } from './batches'
import { readHostWeights, writeHostWeights } from './host-weights'
import { readOptimizerState, writeOptimizerState } from './optimizer-state'
import type { SplitSource } from './sources'
import { WorkerInbound, type WorkerMessage } from './messages'
import { allWeights, trainableVariables } from './weights'

/** A fault the GPU engine reported (a lost device, out of memory), or its window ending: the run fails with it. */
export class GpuEngineFault extends Error {
  override name = 'GpuEngineFault'
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message)
  }
}

type Call = GpuSessionCall
type Pending = { resolve(result: GpuSessionResult): void; reject(error: Error): void; call: Call['call'] }

/**
 * The GPU engine as this side sees it: requests go out through `send`, and every event the engine
 * sends must be handed to `receive`. Sessions' calls are paired with their results by sequence number.
 */
export class GpuEngineClient {
  private seq = 0
  private readonly pending = new Map<number, Pending & { sessionId: string }>()
  private gone: GpuEngineFault | null = null

  constructor(
    readonly adapter: WebGpuAdapterInfo,
    private readonly send: (request: GpuEngineRequest) => void,
  ) {}

  receive(event: GpuEngineEvent): void {
    if (event.type === 'session-result') {
      const waiting = this.pending.get(event.seq)
      if (!waiting || waiting.sessionId !== event.sessionId) return
      this.pending.delete(event.seq)
      if (event.result.call !== waiting.call) {
        waiting.reject(new GpuEngineFault('failed', `the GPU engine answered ${waiting.call} with ${event.result.call}`))
      } else waiting.resolve(event.result)
      return
    }
    if (event.type !== 'error') return
    const fault = new GpuEngineFault(event.kind, event.message)
    // A fault outside any session (a lost device, the window gone) ends every call, now and later.
    if (event.jobId === null) this.gone ??= fault
    for (const [seq, waiting] of this.pending) {
      if (event.jobId === null || event.jobId === waiting.sessionId) {
        this.pending.delete(seq)
        waiting.reject(fault)
      }
    }
  }

  call<C extends Call>(sessionId: string, call: C): Promise<GpuSessionResultOf<C['call']>> {
    return new Promise((resolve, reject) => {
      if (this.gone) return reject(this.gone)
      const seq = this.seq++
      this.pending.set(seq, {
        sessionId,
        call: call.call,
        resolve: (result) => resolve(result as GpuSessionResultOf<C['call']>),
        reject,
      })
      this.send({ type: 'session', sessionId, seq, call })
    })
  }
}

/** The model a session builds on the page: the run's own config, and the base as the run cut it. */
export interface RemoteModel {
  config: ModelConfig
  numClasses: number
  imageSize: number
  seed: number
  base: BaseModelInfo | null
}

type DataId = object
const dataIdOf = (variable: tf.LayerVariable): DataId => (variable.read() as unknown as { dataId: DataId }).dataId

/** Trainer compute on the GPU engine page: one session, this thread's model its mirror (see the file comment). */
export class RemoteCompute {
  private synced = new Map<tf.LayerVariable, DataId>()
  private learningRate: number | null = null

  private constructor(
    private readonly client: GpuEngineClient,
    private readonly sessionId: string,
  ) {}

  /** Opens a session holding the run's model with this thread's weights (a resumed run's included). */
  static async open(client: GpuEngineClient, sessionId: string, model: RemoteModel, built: BuiltModel): Promise<RemoteCompute> {
    const { base, ...spec } = model
    // The base travels as its topology only; the page builds the model from it and takes every weight from here.
    const topology = built.featureExtractor ? (built.featureExtractor.toJSON(null, false) as Record<string, unknown>) : null
    if (spec.config.kind === 'transfer' && (!base || !topology))
      throw new Error('a transfer run needs its base on the GPU engine')
    const compute = new RemoteCompute(client, sessionId)
    await client.call(sessionId, {
      call: 'open',
      model: spec,
      base: base && topology ? { info: base, topology } : null,
      weights: await readHostWeights(built.model),
    })
    compute.remember(built.model)
    return compute
  }

  async beginPhase(plan: PhasePlan, model: tf.LayersModel, optimizer: tf.Optimizer, learningRate: number): Promise<void> {
    // A resumed phase's optimizer holds its checkpoint's state; a fresh one an empty state.
    const state = await readOptimizerState(optimizer)
    // Weights changed here since the last sync (none at the first phase) go first; the rate comes with the phase.
    this.learningRate = learningRate
    await this.push(model, learningRate)
    await this.client.call(this.sessionId, {
      call: 'phase',
      phase: plan.phase,
      fineTune: plan.phase === 'finetune' ? (plan.fineTune ?? null) : null,
      optimizer: optimizerKind(optimizer),
      learningRate,
      state: state.iterations > 0 || state.slots.length > 0 ? state : null,
    })
  }

  /** Sends the batch at once (the caller prepares the next one meanwhile) and resolves with its result. */
  async trainStep(x: tf.Tensor, labels: Int32Array): Promise<{ loss: number; correct: number }> {
    const result = await this.client.call(this.sessionId, { call: 'step', batch: hostBatch(x, labels) })
    return { loss: result.loss, correct: result.correct }
  }

  /** Loss and accuracy over a whole split, on the page. */
  async evaluate(split: SplitSource, batchSize: number): Promise<{ loss: number; accuracy: number }> {
    if (split.count === 0) return { loss: NaN, accuracy: NaN }
    const { lossSum, correct } = await this.infer(split, batchSize, null)
    return { loss: lossSum / split.count, accuracy: correct / split.count }
  }

  /** Every position's class probabilities (row-major), and the page's time per image for them. */
  async predict(
    split: SplitSource,
    batchSize: number,
    numClasses: number,
  ): Promise<{ probabilities: Float32Array; msPerImage: number }> {
    const probabilities = new Float32Array(split.count * numClasses)
    const t0 = performance.now()
    await this.infer(split, batchSize, probabilities)
    return { probabilities, msPerImage: split.count > 0 ? (performance.now() - t0) / split.count : 0 }
  }

  /** Brings this thread's model and optimizer up to the page's (before the epoch's callbacks). */
  async pull(model: tf.LayersModel, optimizer: tf.Optimizer): Promise<void> {
    const state = await this.client.call(this.sessionId, { call: 'state' })
    writeHostWeights(model, state.weights, 'GPU engine state')
    if (state.optimizer) await writeOptimizerState(optimizer, state.optimizer, trainableVariables(model))
    this.remember(model)
  }

  /** Sends what changed here since the last sync (weights restored from a snapshot, a new learning rate). */
  async push(model: tf.LayersModel, learningRate: number): Promise<void> {
    const changed = allWeights(model).some(({ variable }) => this.synced.get(variable) !== dataIdOf(variable))
    const weights = changed ? await readHostWeights(model) : null
    const rate = learningRate !== this.learningRate ? learningRate : null
    if (!weights && rate === null) return
    await this.client.call(this.sessionId, { call: 'update', weights, learningRate: rate })
    if (weights) this.remember(model)
    this.learningRate = learningRate
  }

  async close(): Promise<void> {
    await this.client.call(this.sessionId, { call: 'close' })
  }

  private remember(model: tf.LayersModel): void {
    this.synced = new Map(allWeights(model).map(({ variable }) => [variable, dataIdOf(variable)]))
  }

  private async infer(
    split: SplitSource,
    batchSize: number,
    into: Float32Array | null,
  ): Promise<{ lossSum: number; correct: number }> {
    const order = Int32Array.from({ length: split.count }, (_, i) => i)
    let lossSum = 0
    let correct = 0
    for (const [start, end] of batchRanges(split.count, batchSize)) {
      const batch = hostBatch(split.input(order, start, end), split.labels.subarray(start, end))
      const result = await this.client.call(this.sessionId, { call: 'evaluate', batch, probabilities: into !== null })
      lossSum += result.lossSum
      correct += result.correct
      if (into && result.probabilities) into.set(result.probabilities, start * (into.length / split.count))
    }
    return { lossSum, correct }
  }
}

/**
 * A batch as host arrays; the tensor is disposed. Read synchronously: the mirror's backend is a CPU
 * one (cpu, wasm or tensorflow), and a step must leave before the next batch is prepared.
 */
function hostBatch(x: tf.Tensor, labels: Int32Array) {
  try {
    if (x.rank !== 4 || x.shape[3] !== 3)
      throw new Error(`a GPU engine batch is NHWC with 3 channels, got [${x.shape.join(', ')}]`)
    const [n, h, w] = x.shape as [number, number, number, 3]
    return {
      // A copy: the cpu backend hands out its own array.
      x: (x.dataSync() as Float32Array<ArrayBuffer>).slice(),
      shape: [n, h, w, 3] as [number, number, number, 3],
      labels: new Int32Array(labels),
    }
  } finally {
    x.dispose()
  }
}

function optimizerKind(optimizer: tf.Optimizer): 'adam' | 'sgd' | 'rmsprop' {
  const name = optimizer.getClassName()
  if (name === tf.AdamOptimizer.className) return 'adam'
  if (name === tf.SGDOptimizer.className) return 'sgd'
  if (name === tf.RMSPropOptimizer.className) return 'rmsprop'
  throw new Error(`the GPU engine trains with Adam, SGD or RMSprop, not ${name}`)
}

/** Connects to the GPU engine the main process lends (rejects with why there is none). */
export type GpuConnector = (allowSoftwareAdapter: boolean) => Promise<GpuEngineClient>

/**
 * The connector of a training worker: requests and events are relayed by the main process, which
 * owns the GPU engine (src-main/experiments/training-service.ts). `subscribe` gets every message the
 * main process sends the worker.
 */
export function relayedGpuConnector(
  post: (message: WorkerMessage) => void,
  subscribe: (listener: (message: unknown) => void) => void,
): GpuConnector {
  let client: GpuEngineClient | null = null
  let waiting: { resolve(client: GpuEngineClient): void; reject(error: Error): void } | null = null
  subscribe((raw) => {
    const parsed = WorkerInbound.safeParse(raw)
    if (!parsed.success) return
    const message = parsed.data
    if (message.type === 'gpu') {
      client?.receive(message.event)
      return
    }
    if (message.type === 'gpuConnected') {
      client = new GpuEngineClient(message.adapter, (request) => post({ type: 'gpu', request }))
      waiting?.resolve(client)
    } else waiting?.reject(new Error(message.reason))
    waiting = null
  })
  return (allowSoftwareAdapter) =>
    new Promise((resolve, reject) => {
      waiting = { resolve, reject }
      post({ type: 'gpuConnect', allowSoftwareAdapter })
    })
}

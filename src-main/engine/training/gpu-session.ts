// The GPU engine page's side of a training session (./remote-compute.ts is the other): one run's
// model and optimizer, built here from the run's own config exactly as the engine builds it, then
// trained and evaluated batch by batch on whatever backend is active (Chromium's WebGPU on the page).
// Only tfjs here (no Node API): the page bundles it, and tests host it in Node on any backend.
import type { GpuBatch, GpuSessionCall, GpuSessionResult } from '@shared/contract/gpu-engine'
import type { TrainingConfig } from '@shared/domain/config'
import { buildScratch } from '../architectures/scratch'
import { buildTransfer } from '../architectures/transfer'
import type { BuiltModel } from '../architectures/types'
import * as tf from '../tf'
import { frozenBaseForward, modelForward, type Forward } from './forward'
import { readHostWeights, writeHostWeights } from './host-weights'
import { setLearningRate } from './optimizer-kinds'
import { readOptimizerState, writeOptimizerState } from './optimizer-state'
import { evaluationBatch, optimizerStep } from './train-step'
import { trainableVariables } from './weights'

type CallOf<C extends GpuSessionCall['call']> = Extract<GpuSessionCall, { call: C }>

export interface GpuSessionOptions {
  /** The optimizer the engine would create (engine/training/optimizer-kinds.ts on the page). */
  createOptimizer(kind: TrainingConfig['optimizer'], learningRate: number): tf.Optimizer
  /** Rejects when the device fails (a lost GPU); raced against every read. */
  faulted?: Promise<never>
}

interface Phase {
  optimizer: tf.Optimizer
  forward: Forward
  variables: tf.Variable[]
}

export class GpuSession {
  private phase: Phase | null = null
  /** Optimizer steps taken in this session (every phase). */
  steps = 0

  private constructor(
    private readonly built: BuiltModel,
    private readonly o: GpuSessionOptions,
  ) {}

  /** Builds the run's model and takes every weight the run sent. */
  static async open(call: CallOf<'open'>, options: GpuSessionOptions): Promise<GpuSession> {
    const { config, numClasses, imageSize, seed } = call.model
    let built: BuiltModel
    if (config.kind === 'scratch') {
      built = buildScratch(config, { numClasses, imageSize, seed })
    } else {
      if (!call.base) throw new Error(`a transfer session needs its base "${config.baseId}"`)
      // The base as the run cut it; cutting it again at the same layer is the identity.
      const model = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: call.base.topology }))
      try {
        built = buildTransfer(config, { info: call.base.info, model }, { numClasses, seed })
      } finally {
        model.dispose()
      }
    }
    const session = new GpuSession(built, options)
    try {
      writeHostWeights(built.model, call.weights, 'session')
    } catch (error) {
      session.dispose()
      throw error
    }
    return session
  }

  /** The variables the current phase trains (all the trainable ones before a phase begins). */
  get trainableWeights(): number {
    return this.phase?.variables.length ?? trainableVariables(this.built.model).length
  }

  async handle(call: Exclude<GpuSessionCall, { call: 'open' }>): Promise<GpuSessionResult> {
    switch (call.call) {
      case 'phase':
        return this.beginPhase(call)
      case 'step': {
        const { optimizer, forward, variables } = this.current()
        const result = await optimizerStep(optimizer, forward, variables, this.input(call.batch), call.batch.labels, this.read)
        this.steps++
        return { call: 'step', loss: result.loss, correct: result.correct }
      }
      case 'evaluate': {
        const forward = this.phase?.forward ?? modelForward(this.built.model)
        const result = await evaluationBatch(forward, this.input(call.batch), call.batch.labels, this.read, call.probabilities)
        return {
          call: 'evaluate',
          lossSum: result.lossSum,
          correct: result.correct,
          // A copy: a backend may hand out its own cached array, which the transfer would detach.
          probabilities: result.probabilities ? result.probabilities.slice() : null,
        }
      }
      case 'state':
        return {
          call: 'state',
          weights: await this.race(readHostWeights(this.built.model)),
          optimizer: this.phase ? await this.race(readOptimizerState(this.phase.optimizer)) : null,
        }
      case 'update':
        if (call.weights) writeHostWeights(this.built.model, call.weights, 'update')
        if (call.learningRate !== null) setLearningRate(this.current().optimizer, call.learningRate)
        return { call: 'update' }
      case 'close':
        this.dispose()
        return { call: 'close' }
    }
  }

  /** Frees the optimizer and every variable of the model (its head and base graphs share them). */
  dispose(): void {
    this.phase?.optimizer.dispose()
    this.phase = null
    const variables = new Set<tf.Tensor>(this.built.model.weights.map((w) => w.read()))
    for (const variable of variables) variable.dispose()
  }

  /** As the engine's trainer sets a phase up without a feature cache: the base frozen in inference mode, then its tail unfrozen. */
  private async beginPhase(call: CallOf<'phase'>): Promise<GpuSessionResult> {
    const { built } = this
    this.phase?.optimizer.dispose()
    this.phase = null
    let forward = modelForward(built.model)
    // A transfer model (a base and a head); a scratch model trains whole in its one phase.
    if (built.featureExtractor && built.head) {
      built.setPhase(call.phase, call.fineTune ?? undefined)
      if (call.phase === 'train') forward = frozenBaseForward(built.featureExtractor, built.head)
    }
    const variables = trainableVariables(built.model)
    const optimizer = this.o.createOptimizer(call.optimizer, call.learningRate)
    try {
      if (call.state) await writeOptimizerState(optimizer, call.state, variables)
    } catch (error) {
      optimizer.dispose()
      throw error
    }
    this.phase = { optimizer, forward, variables }
    return { call: 'phase', trainableWeights: variables.length }
  }

  private current(): Phase {
    if (!this.phase) throw new Error('no phase has begun in this session')
    return this.phase
  }

  /** The batch as the model takes it: resized here when the model's input is larger than the images. */
  private input(batch: GpuBatch): tf.Tensor {
    const size = this.built.inputSize
    return tf.tidy(() => {
      const x = tf.tensor4d(batch.x, batch.shape, 'float32')
      return batch.shape[1] === size && batch.shape[2] === size ? x : tf.image.resizeBilinear(x, [size, size])
    })
  }

  private readonly read = (t: tf.Tensor): Promise<tf.TypedArray> => this.race(t.data())

  private race<T>(p: Promise<T>): Promise<T> {
    return this.o.faulted ? Promise.race([p, this.o.faulted]) : p
  }
}

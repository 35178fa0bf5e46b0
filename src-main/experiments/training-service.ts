import { randomUUID } from 'node:crypto'
import type { Worker } from 'node:worker_threads'
import { ContractError } from '@shared/contract'
import type { QueueState } from '@shared/contract/events'
import type { Preset } from '@shared/contract/methods'
import { INPUT_SIZES, type BackendName, type ExperimentConfig, type InputSize } from '@shared/domain/config'
import { expandSeeds } from '@shared/domain/experiment-plan'
import { isResumable, type RunSummary } from '@shared/domain/run'
import type { EventBus } from '../core/event-bus'
import { formatBytes } from '../core/disk-full'
import { WorkerMessage, type RunJobInput, type WorkerInbound } from '../engine/training/messages'
import type { RegistryStore, RunStore } from '../store'
import { EventLoopMonitor, type EventLoopLag } from './event-loop'
import type { GpuEngineLink, GpuHost } from '../engine/backend/gpu-host'
import { BUILT_IN_PRESETS } from './presets'
import { TrainerLock } from './trainer-lock'
import { startTrainingWorker } from './worker-launcher'
import type { BackendForcedBy } from '../engine/backend/forced'

export interface TrainingServiceOptions {
  dataDir: string
  runs: RunStore
  /** Datasets and base models a run needs; saved presets. */
  registry: Pick<RegistryStore, 'getDataset' | 'getBaseModel' | 'listPresets' | 'putPreset' | 'deletePreset'>
  events: EventBus
  appVersion: string
  /**
   * The backend and wasm threads every run initialises, read when each run starts so a changed
   * setting applies to the next run (SystemService.backendPreference: --backend, else the setting,
   * else automatic). A run's own config.backend wins over it.
   */
  preference?: () => BackendPreference
  /** Settings.cacheMemoryMb, read when each run starts. */
  cacheMemoryMb?: () => number
  batchThrottleMs?: number
  /** How long a cancelled worker may take to stop before it is terminated. */
  cancelGraceMs?: number
  /** One trainer per data directory: held while this service has runs to train. */
  lock?: TrainerLock
  /** A GPU engine the shell lends runs (the desktop app's WebGPU window); see ./gpu-host.ts. */
  gpuHost?: GpuHost
}

export interface BackendPreference {
  backend: BackendName | null
  threads: number | null
  /** Who forced the backend (a forced backend that cannot start is an error that says where it was forced). */
  forcedBy: 'flag' | 'setting' | null
}

/**
 * What a feature-cache step reports once its rows are ready: what was cached, and how much of it is
 * held in memory and how much read from disk per batch under the memory bound.
 */
export function featuresMessage(msg: Extract<WorkerMessage, { type: 'features' }>): string | null {
  if (msg.stage === 'computing') return null
  const what =
    msg.cache === 'features'
      ? `base features${msg.layer ? ` of ${msg.layer}` : ''}`
      : `fine-tuning activations of ${msg.layer ?? 'the frozen layers'}`
  const size = msg.memoryBytes + msg.diskBytes
  const where =
    msg.diskBytes === 0
      ? `${formatBytes(size)}, all in memory`
      : `${formatBytes(size)}: ${formatBytes(msg.memoryBytes)} in memory, ${formatBytes(msg.diskBytes)} read from disk per batch`
  const bound = msg.limitMb === null ? '' : `; memory bound ${msg.limitMb} MB`
  return `${what} ${msg.stage === 'hit' ? 'reused from the cache' : 'computed and cached'} (${where}${bound})`
}

/** The backend part of a run's job: the run's own choice, else the preference (see TrainingServiceOptions). */
export function jobBackend(
  config: Pick<ExperimentConfig, 'backend'>,
  pref: BackendPreference,
): { backend: BackendName | null; threads: number | null; backendForcedBy: BackendForcedBy | null } {
  if (config.backend) return { backend: config.backend, threads: pref.threads, backendForcedBy: 'config' }
  return { backend: pref.backend, threads: pref.threads, backendForcedBy: pref.backend ? pref.forcedBy : null }
}

interface Pending {
  runId: string
  resume: boolean
}

interface Current extends Pending {
  worker: Worker
  cancelFlag: Int32Array
  finished: boolean
  cancelTimer: NodeJS.Timeout | null
  /** Phase times recorded before this session (a resumed run adds to them). */
  priorPhaseTimes: Record<string, number>
  artifactPaths: Set<string>
  /** The GPU engine this run borrowed, and the sessions it opened there (closed for it if it dies). */
  gpu: { link: GpuEngineLink; unsubscribe(): void; sessions: Set<string> } | null
}

const FINAL = new Set(['completed', 'failed', 'cancelled', 'interrupted'])

/**
 * Owns training for the main process: a queue of runs executed one after another, each in its own
 * worker thread (so the main event loop stays responsive), with everything the worker reports
 * persisted to the run store as it arrives and re-emitted on the EventBus.
 */
export class TrainingService {
  private readonly queue: Pending[] = []
  private current: Current | null = null
  private readonly waiters = new Map<string, Array<(summary: RunSummary) => void>>()
  private readonly idleWaiters: Array<() => void> = []
  private readonly lag = new EventLoopMonitor()
  private closed = false

  private readonly lock: TrainerLock

  constructor(private readonly o: TrainingServiceOptions) {
    this.lock = o.lock ?? new TrainerLock(o.dataDir, 'core')
  }

  start(config: ExperimentConfig, seeds?: number[]): { runIds: string[] } {
    this.assertOpen()
    this.checkRefs(config)
    // Before any run is recorded: a refusal leaves nothing queued.
    this.lock.acquire()
    const configs = expandSeeds(config, seeds)
    const runIds = configs.map((c) => this.o.runs.createRun({ config: c }).id)
    for (const runId of runIds) this.queue.push({ runId, resume: false })
    this.queueChanged()
    this.pump()
    return { runIds }
  }

  cancel(runId: string): { ok: true } {
    const cur = this.current
    if (cur && cur.runId === runId) {
      Atomics.store(cur.cancelFlag, 0, 1)
      // A worker stuck in one long operation is stopped for it; epochs already recorded stay.
      cur.cancelTimer ??= setTimeout(() => {
        if (!cur.finished) {
          void cur.worker.terminate()
          this.finish(cur, 'cancelled', 'cancelled (the worker was stopped)')
        }
      }, this.o.cancelGraceMs ?? 30_000)
      return { ok: true }
    }
    const index = this.queue.findIndex((p) => p.runId === runId)
    if (index >= 0) {
      this.queue.splice(index, 1)
      const summary = this.o.runs.finishRun(runId, 'cancelled', 'cancelled before it started')
      this.emitStatus(runId, 'cancelled', 'cancelled before it started')
      this.notify(summary)
      this.queueChanged()
      return { ok: true }
    }
    const summary = this.o.runs.getSummary(runId)
    throw new ContractError('conflict', `run ${runId} is ${summary.status}, not queued or running`)
  }

  resume(runId: string): { runId: string } {
    this.assertOpen()
    const summary = this.o.runs.getSummary(runId)
    // A run left queued by a process that stopped before starting it (none of ours, and we may train).
    const orphanQueued =
      summary.status === 'queued' && this.current?.runId !== runId && !this.queue.some((p) => p.runId === runId)
    // A failed run continues from its last checkpoint (a lost GPU, a full disk), on whatever backend is chosen now.
    if (!orphanQueued && !isResumable(this.o.runs.getRun(runId))) {
      throw new ContractError(
        'conflict',
        summary.status === 'failed'
          ? `run ${runId} failed before its first checkpoint; start it again instead`
          : `run ${runId} is ${summary.status}; only an interrupted, cancelled or failed run with a checkpoint can be resumed`,
      )
    }
    // Throws while another live process trains here: its queue may still hold the run.
    this.lock.acquire()
    if (!orphanQueued) this.o.runs.requeueRun(runId)
    this.queue.push({ runId, resume: true })
    this.queueChanged()
    this.pump()
    return { runId }
  }

  queueState(): QueueState {
    const get = (id: string) => {
      try {
        return this.o.runs.getSummary(id)
      } catch {
        return null
      }
    }
    return {
      current: this.current ? get(this.current.runId) : null,
      queued: this.queue.map((p) => get(p.runId)).filter((s): s is RunSummary => s !== null),
    }
  }

  presets(): Preset[] {
    return [...BUILT_IN_PRESETS, ...this.o.registry.listPresets()]
  }

  savePreset(input: { name: string; description: string; config: ExperimentConfig }): Preset {
    const preset: Preset = {
      id: `preset-${randomUUID().slice(0, 8)}`,
      name: input.name,
      description: input.description,
      builtIn: false,
      config: { ...input.config },
    }
    this.o.registry.putPreset(preset)
    return preset
  }

  deletePreset(id: string): { ok: true } {
    if (BUILT_IN_PRESETS.some((p) => p.id === id))
      throw new ContractError('conflict', `preset ${id} is built in and cannot be deleted`)
    if (!this.o.registry.deletePreset(id)) throw new ContractError('not_found', `preset ${id} not found`)
    return { ok: true }
  }

  inputSizes(): InputSize[] {
    return [...INPUT_SIZES]
  }

  /** Resolves when the run reaches a final status (immediately if it already has one). */
  waitForRun(runId: string): Promise<RunSummary> {
    const summary = this.o.runs.getSummary(runId)
    const active = this.current?.runId === runId || this.queue.some((p) => p.runId === runId)
    if (!active && FINAL.has(summary.status)) return Promise.resolve(summary)
    return new Promise((resolve) => {
      const list = this.waiters.get(runId) ?? []
      list.push(resolve)
      this.waiters.set(runId, list)
    })
  }

  whenIdle(): Promise<void> {
    if (!this.current && this.queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** Main event-loop delay while the last (or current) training ran. */
  eventLoopLag(): EventLoopLag | null {
    return this.lag.read()
  }

  /** Cancels what runs, drops the queue (those runs stay queued for a later session) and stops the worker. */
  async close(): Promise<void> {
    this.closed = true
    this.queue.length = 0
    const cur = this.current
    if (cur) {
      Atomics.store(cur.cancelFlag, 0, 1)
      const stopped = new Promise<void>((resolve) => this.idleWaiters.push(resolve))
      const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.o.cancelGraceMs ?? 10_000).unref())
      await Promise.race([stopped, timeout])
      if (!cur.finished) {
        await cur.worker.terminate()
        this.finish(cur, 'cancelled', 'cancelled when the app closed')
      }
    }
    this.lag.stop()
    this.lock.release()
  }

  // ------------------------------------------------------------------ internals

  private assertOpen(): void {
    if (this.closed) throw new ContractError('unavailable', 'the training service is closed')
  }

  /** Fails early, before a run is queued, when the dataset or base does not exist. */
  private checkRefs(config: ExperimentConfig): void {
    if (!this.o.registry.getDataset(config.data.datasetId)) {
      throw new ContractError(
        'not_found',
        `dataset ${config.data.datasetId} not found; import one with \`cifar-workbench dataset import PATH\``,
      )
    }
    if (config.model.kind === 'transfer' && !this.o.registry.getBaseModel(config.model.baseId)) {
      throw new ContractError(
        'not_found',
        `base model ${config.model.baseId} not found; register it with \`cifar-workbench models import PATH\``,
      )
    }
  }

  private pump(): void {
    if (this.current || this.closed) return
    const next = this.queue.shift()
    if (!next) {
      this.lag.stop()
      this.lock.release()
      for (const resolve of this.idleWaiters.splice(0)) resolve()
      return
    }
    try {
      this.launch(next)
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      try {
        const summary = this.o.runs.finishRun(next.runId, 'failed', message)
        this.emitStatus(next.runId, 'failed', message)
        this.notify(summary)
      } catch (inner) {
        console.error(`training: cannot record the failure of run ${next.runId}:`, inner)
      }
      this.pump()
    }
  }

  private launch(next: Pending): void {
    const { runs, registry } = this.o
    const run = runs.getRun(next.runId)
    const dataset = registry.getDataset(run.config.data.datasetId)
    if (!dataset) throw new Error(`dataset ${run.config.data.datasetId} is no longer registered`)
    const base = run.config.model.kind === 'transfer' ? registry.getBaseModel(run.config.model.baseId) : null
    if (run.config.model.kind === 'transfer' && !base)
      throw new Error(`base model ${run.config.model.baseId} is no longer registered`)
    const job: RunJobInput = {
      runId: run.id,
      dataDir: this.o.dataDir,
      config: run.config,
      configHash: run.configHash,
      dataset,
      base,
      resume: next.resume,
      ...jobBackend(run.config, this.o.preference?.() ?? { backend: null, threads: null, forcedBy: null }),
      appVersion: this.o.appVersion,
      ...(this.o.cacheMemoryMb ? { cacheMemoryMb: this.o.cacheMemoryMb() } : {}),
      batchThrottleMs: this.o.batchThrottleMs ?? 100,
      gpuHost: this.o.gpuHost !== undefined,
    }
    const flagBuffer = new SharedArrayBuffer(4)
    const worker = startTrainingWorker({ job, cancelFlag: flagBuffer }, job.threads)
    const cur: Current = {
      ...next,
      worker,
      cancelFlag: new Int32Array(flagBuffer),
      finished: false,
      cancelTimer: null,
      priorPhaseTimes: next.resume ? { ...run.phaseTimes } : {},
      artifactPaths: new Set(run.artifacts.map((a) => a.path)),
      gpu: null,
    }
    this.current = cur
    this.lag.start()
    worker.on('message', (raw: unknown) => this.onMessage(cur, raw))
    worker.on('error', (error) => this.finish(cur, 'failed', `training worker failed: ${error.message}`))
    worker.on('exit', (code) => {
      if (!cur.finished) this.finish(cur, 'failed', `training worker exited unexpectedly (code ${code})`)
    })
    this.queueChanged()
  }

  private onMessage(cur: Current, raw: unknown): void {
    if (cur.finished) return
    const parsed = WorkerMessage.safeParse(raw)
    if (!parsed.success) {
      console.error(`training: malformed message from the worker of run ${cur.runId}: ${parsed.error.issues[0]?.message}`)
      return
    }
    const msg = parsed.data
    const { runs, events } = this.o
    const id = cur.runId
    try {
      switch (msg.type) {
        case 'started':
          runs.startRun(id, msg.info)
          // Idempotent: an epoch already recorded is written again with the same values.
          for (const metric of msg.restoredEpochs) runs.appendEpoch(id, metric)
          this.queueChanged()
          return
        case 'progress': {
          const event = msg.event
          if (event.type === 'epoch') runs.appendEpoch(id, event.metric)
          if (event.type === 'evaluation') runs.saveEvaluation(id, event.evaluation)
          events.emit('run.progress', event)
          return
        }
        case 'batchPoints':
          runs.appendBatchPoints(id, msg.points)
          return
        case 'phaseTime':
          runs.setPhaseTime(id, msg.phase, (cur.priorPhaseTimes[msg.phase] ?? 0) + msg.ms)
          return
        case 'phaseParams':
          runs.setPhaseParams(id, msg.params)
          return
        case 'artifact':
          if (cur.artifactPaths.has(msg.artifact.path)) return
          cur.artifactPaths.add(msg.artifact.path)
          runs.addArtifact(id, msg.artifact)
          return
        case 'features':
          events.emit('job.progress', {
            jobId: `${msg.cache}-${id}`,
            kind: 'feature-cache',
            stage: msg.stage,
            done: msg.done,
            total: msg.total,
            message: featuresMessage(msg),
          })
          return
        case 'done':
          this.finish(cur, msg.status, msg.message)
          return
        case 'gpuConnect':
          this.lendGpu(cur, msg.allowSoftwareAdapter)
          return
        case 'gpu': {
          const { request } = msg
          if (!cur.gpu) throw new Error('a GPU engine request before the engine was lent')
          if (request.type === 'session' && request.call.call === 'open') cur.gpu.sessions.add(request.sessionId)
          if (request.type === 'session' && request.call.call === 'close') cur.gpu.sessions.delete(request.sessionId)
          cur.gpu.link.send(request)
          return
        }
      }
    } catch (error) {
      console.error(`training: cannot record ${msg.type} of run ${id}:`, error)
    }
  }

  /** Connects the run's worker to the GPU engine: its requests go there, the engine's events come back. */
  private lendGpu(cur: Current, allowSoftwareAdapter: boolean): void {
    const host = this.o.gpuHost
    const refuse = (reason: string): void => {
      if (!cur.finished) cur.worker.postMessage({ type: 'gpuUnavailable', reason } satisfies WorkerInbound)
    }
    if (!host) return refuse('this process has no GPU engine to lend')
    host.connect(allowSoftwareAdapter).then(
      (link) => {
        if (cur.finished) return
        const unsubscribe = link.subscribe((event) => {
          if (!cur.finished) cur.worker.postMessage({ type: 'gpu', event } satisfies WorkerInbound)
        })
        cur.gpu = { link, unsubscribe, sessions: new Set() }
        cur.worker.postMessage({ type: 'gpuConnected', adapter: link.adapter } satisfies WorkerInbound)
      },
      (error: unknown) => refuse(error instanceof Error ? error.message : String(error)),
    )
  }

  private finish(cur: Current, status: 'completed' | 'failed' | 'cancelled', message: string | null): void {
    if (cur.finished) return
    cur.finished = true
    if (cur.cancelTimer) clearTimeout(cur.cancelTimer)
    if (cur.gpu) {
      // A worker that died (or was stopped) mid-session leaves its model on the GPU: closed for it.
      for (const sessionId of cur.gpu.sessions) cur.gpu.link.send({ type: 'session', sessionId, seq: 0, call: { call: 'close' } })
      cur.gpu.unsubscribe()
    }
    let summary: RunSummary | null = null
    try {
      summary = this.o.runs.finishRun(cur.runId, status, status === 'completed' ? null : message)
    } catch (error) {
      console.error(`training: cannot finish run ${cur.runId}:`, error)
    }
    this.emitStatus(cur.runId, status, message)
    if (this.current === cur) this.current = null
    // The worker exits by itself after `done`; terminate in case it lingers.
    void cur.worker.terminate().catch(() => undefined)
    if (summary) this.notify(summary)
    this.queueChanged()
    this.pump()
  }

  private emitStatus(runId: string, status: RunSummary['status'], message: string | null): void {
    this.o.events.emit('run.progress', { type: 'status', runId, status, message })
  }

  private notify(summary: RunSummary): void {
    for (const resolve of this.waiters.get(summary.id) ?? []) resolve(summary)
    this.waiters.delete(summary.id)
  }

  private queueChanged(): void {
    this.o.events.emit('queue.changed', this.queueState())
  }
}

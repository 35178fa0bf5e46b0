import { defineStore } from 'pinia'
import { markRaw, ref, shallowRef } from 'vue'
import type { QueueState, RunProgressEvent } from '@shared/contract/events'
import type { BackendName, ExperimentConfig } from '@shared/domain/config'
import { totalEpochs } from '@shared/domain/phases'
import type { Phase, RunDetail, RunStatus } from '@shared/domain/run'
import { emptySeries, seriesFromDetail, type CurveSeries } from '@shared/charts/series'
import { api, onEvent } from '../api'
import { errorMessage } from '../format'

/** Per-run live state: small reactive stats plus raw (non-reactive) buffers the charts read. */
export interface LiveRun {
  runId: string
  status: RunStatus
  message: string | null
  phase: Phase
  backend: BackendName | null
  epoch: number
  totalEpochs: number | null
  batch: number
  batchesPerEpoch: number | null
  learningRate: number | null
  imagesPerSecond: number | null
  etaSeconds: number | null
  tensors: number | null
  memoryBytes: number | null
  testAccuracy: number | null
  /** Bumped on every event: the charts redraw on the next animation frame when it changes. */
  version: number
  series: CurveSeries
}

function newRun(runId: string, status: RunStatus = 'running'): LiveRun {
  return {
    runId,
    status,
    message: null,
    phase: 'train',
    backend: null,
    epoch: 0,
    totalEpochs: null,
    batch: 0,
    batchesPerEpoch: null,
    learningRate: null,
    imagesPerSecond: null,
    etaSeconds: null,
    tensors: null,
    memoryBytes: null,
    testAccuracy: null,
    version: 0,
    series: markRaw(emptySeries()),
  }
}

export const useLiveStore = defineStore('live', () => {
  const runs = ref<Record<string, LiveRun>>({})
  const queue = shallowRef<QueueState>({ current: null, queued: [] })
  /** The run Live shows: the one running now, else the last one seen. */
  const focusId = ref<string | null>(null)
  /** Experiment names by run id, from the queue and the store (progress events carry only the id). */
  const names = ref<Record<string, string>>({})
  /** Why the queue could not be read: Live says so instead of looking idle. */
  const queueError = ref<string | null>(null)
  let started = false

  function remember(state: QueueState): void {
    for (const run of [state.current, ...state.queued]) if (run) names.value[run.id] = run.name
  }

  /** What Live calls a run: its experiment name once known, else its id. */
  function nameOf(runId: string): string {
    return names.value[runId] ?? runId
  }

  function ensure(runId: string): LiveRun {
    let run = runs.value[runId]
    if (!run) {
      runs.value[runId] = newRun(runId)
      run = runs.value[runId]!
    }
    return run
  }

  function apply(event: RunProgressEvent): void {
    const run = ensure(event.runId)
    const s = run.series
    switch (event.type) {
      case 'status':
        run.status = event.status
        run.message = event.message
        if (event.status === 'running') focusId.value = event.runId
        break
      case 'phase': {
        run.phase = event.phase
        run.backend = event.backend
        // The first phase is the start, not a change: mark only later ones.
        if (s.lastStep > 0) {
          s.markers.push({ step: s.lastStep, kind: 'phase', phase: event.phase, learningRate: event.learningRate })
        }
        run.learningRate = event.learningRate
        break
      }
      case 'batch': {
        if (run.learningRate !== null && event.learningRate !== run.learningRate && event.phase === run.phase) {
          s.markers.push({ step: event.step, kind: 'lr', phase: event.phase, learningRate: event.learningRate })
        }
        s.batches.push({ step: event.step, epoch: event.epoch, loss: event.loss, accuracy: event.accuracy })
        s.lastStep = event.step
        Object.assign(run, {
          phase: event.phase,
          epoch: event.epoch,
          batch: event.batch,
          batchesPerEpoch: event.batchesPerEpoch,
          learningRate: event.learningRate,
          imagesPerSecond: event.imagesPerSecond,
          etaSeconds: event.etaSeconds,
          tensors: event.tensors,
          memoryBytes: event.memoryBytes,
          backend: event.backend,
        })
        if (run.status === 'queued') run.status = 'running'
        focusId.value ??= event.runId
        break
      }
      case 'epoch': {
        const m = event.metric
        s.epochs.push({ ...m, step: s.lastStep || m.epoch })
        Object.assign(run, {
          epoch: m.epoch,
          totalEpochs: event.totalEpochs,
          etaSeconds: event.etaSeconds,
          tensors: event.tensors,
          memoryBytes: event.memoryBytes,
        })
        break
      }
      case 'evaluation':
        run.testAccuracy = event.evaluation.accuracy
        break
    }
    run.version++
  }

  /** Fill a run that started before this page opened from what the store already recorded. */
  async function hydrate(runId: string): Promise<void> {
    const detail: RunDetail = await api()['runs.get']({ id: runId })
    const run = ensure(runId)
    names.value[runId] = detail.name
    if (run.series.batches.length === 0) {
      run.series = markRaw(seriesFromDetail(detail))
      run.status = detail.status
      run.backend = detail.backend
      run.epoch = detail.epochsDone
      run.totalEpochs = totalEpochs(detail.config)
      run.version++
    }
  }

  async function refreshQueue(): Promise<void> {
    try {
      queue.value = await api()['training.queue']({})
      remember(queue.value)
      queueError.value = null
      const current = queue.value.current
      if (current) {
        focusId.value = current.id
        await hydrate(current.id)
      }
    } catch (error) {
      queueError.value = errorMessage(error)
    }
  }

  function start(): void {
    if (started) return
    started = true
    onEvent('run.progress', apply)
    onEvent('queue.changed', (state) => {
      queue.value = state
      remember(state)
      if (state.current) focusId.value = state.current.id
    })
    void refreshQueue()
  }

  /** Queues each config (once per seed when `seeds` is given); the number of runs queued. */
  async function enqueue(configs: readonly ExperimentConfig[], seeds?: number[]): Promise<number> {
    let queued = 0
    for (const config of configs) {
      const { runIds } = await api()['training.start']({ config, ...(seeds ? { seeds } : {}) })
      queued += runIds.length
    }
    await refreshQueue()
    return queued
  }

  const cancelError = ref<string | null>(null)
  async function cancel(runId: string): Promise<void> {
    cancelError.value = null
    try {
      await api()['training.cancel']({ runId })
    } catch (error) {
      cancelError.value = errorMessage(error)
    }
  }

  const resumeError = ref<string | null>(null)
  /** Queues an interrupted, cancelled or failed run again from its checkpoint; false (and resumeError) when refused. */
  async function resume(runId: string): Promise<boolean> {
    resumeError.value = null
    try {
      await api()['training.resume']({ runId })
      await refreshQueue()
      return true
    } catch (error) {
      resumeError.value = errorMessage(error)
      return false
    }
  }

  return {
    runs,
    queue,
    focusId,
    names,
    queueError,
    cancelError,
    resumeError,
    nameOf,
    start,
    apply,
    hydrate,
    refreshQueue,
    enqueue,
    cancel,
    resume,
  }
})

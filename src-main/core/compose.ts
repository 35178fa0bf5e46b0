import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { ContractError } from '@shared/contract'
import { createDispatcher, toContractError, type Core } from './core'
import { EventBus } from './event-bus'
import type { Handlers, Shell } from './handlers'
import { SystemService } from '../system'
import { openStore, runHandlers } from '../store'
import { ModelService, modelHandlers, registerBundledBases } from '../base-models'
import { DatasetService, datasetHandlers } from '../data'
import { TrainingService, trainingHandlers } from '../experiments'
import { InferenceService, inferenceHandlers } from '../inference'
import { APP_VERSION } from '../system/app-version'
import { refuseIfInUse } from '../experiments/active-runs'
import { TrainerLock } from '../experiments/trainer-lock'
import type { GpuHost } from '../engine/backend/gpu-host'
import { PredictionsService, compareHandlers, type PredictionsSource } from '../comparison'
import { compareFlips } from '../comparison/image-service'
import { compareStats } from '../comparison/stats-service'
import { ReportService, reportHandlers } from '../report'
import { CompareStatsRequest, FlipsRequest } from '@shared/stats'

export interface CoreOptions {
  dataDir: string
  shell: Shell
  /** Force a backend (setting or --backend); null = the best available. */
  backend?: string | null
  electronVersion?: string | null
  /** A GPU engine the shell lends runs (the desktop app's WebGPU window, since Dawn cannot load in Electron). */
  gpuHost?: GpuHost
}

/**
 * The composition root: opens the store, builds each domain's service and maps every contract method
 * to its handler. Every shell (Electron, browser mode, CLI, tests) goes through here.
 */
export function createCore(options: CoreOptions): Promise<Core> {
  // Opening is synchronous (SQLite, the registries); a failure still reaches callers as a rejection.
  return new Promise((resolve) => resolve(openCore(options)))
}

function openCore(options: CoreOptions): Core {
  // A fresh data directory (a first start, --data-dir naming a new folder) is created here, so no
  // shell has to remember to.
  mkdirSync(options.dataDir, { recursive: true })
  const events = new EventBus()
  const closers: Array<() => Promise<void> | void> = []
  // The store first (run history and registries): every service records into it or looks records up
  // there. Runs left `running` by a process that died are marked interrupted before anything reads
  // them. Pushed first, so it closes last.
  const store = openStore(join(options.dataDir, 'workbench.sqlite'), { dataDir: options.dataDir })
  closers.push(() => store.close())
  // Another process training on this data directory owns the runs marked running: they are alive.
  const trainerLock = new TrainerLock(options.dataDir, options.shell)
  if (!trainerLock.otherHolder()) store.runs.markInterruptedRuns()
  const system = new SystemService({
    dataDir: options.dataDir,
    shell: options.shell,
    backend: options.backend ?? null,
    electronVersion: options.electronVersion ?? null,
    ...(options.gpuHost ? { gpuHost: options.gpuHost } : {}),
  })

  const models = new ModelService({
    dataDir: options.dataDir,
    registry: store.registry,
    events,
    refuseDeleteInUse: (id) => refuseIfInUse(store.runs, { baseId: id }, `base model ${id}`),
  })
  // The ImageNet bases the app ships, so transfer learning works offline from the first start.
  registerBundledBases(store.registry)
  const datasets = new DatasetService({
    dataDir: options.dataDir,
    registry: store.registry,
    events,
    refuseDeleteInUse: (id) => refuseIfInUse(store.runs, { datasetId: id }, `dataset ${id}`),
  })
  closers.push(() => datasets.close())

  // Training runs in a worker owned by this (main) process; closed before the store it writes to.
  // Every run reads the backend and threads then (--backend, else the saved setting, else automatic).
  const training = new TrainingService({
    dataDir: options.dataDir,
    runs: store.runs,
    registry: store.registry,
    events,
    appVersion: APP_VERSION,
    preference: () => system.backendPreference(),
    cacheMemoryMb: () => system.settings.get().cacheMemoryMb,
    lock: trainerLock,
    ...(options.gpuHost ? { gpuHost: options.gpuHost } : {}),
  })
  closers.push(() => training.close())
  // What exports, predictions and re-evaluation read: a run and the dataset and base it used.
  const runsAndRegistry: PredictionsSource = {
    getRun: (id) => store.runs.getRun(id),
    getDataset: (id) => store.registry.getDataset(id),
    getBaseModel: (id) => store.registry.getBaseModel(id),
  }
  // Exports and predictions with a finished run's model, each in a worker of its own.
  const inference = new InferenceService({
    dataDir: options.dataDir,
    store: runsAndRegistry,
    appVersion: APP_VERSION,
    preference: () => system.backendPreference(),
  })

  // Per-image predictions for statistics; old runs are re-evaluated in a worker of their own.
  const predictions = new PredictionsService({
    dataDir: options.dataDir,
    store: runsAndRegistry,
    preference: () => system.backendPreference(),
  })

  // The report reads each part from the service that owns it.
  const report = new ReportService({
    getRun: (id) => store.runs.getRun(id),
    stats: (ids) => compareStats(runsAndRegistry, predictions, CompareStatsRequest.parse({ ids })),
    flips: (a, b, limit) => compareFlips(runsAndRegistry, predictions, FlipsRequest.parse({ a, b, limit })),
    testImages: (id, indices) => datasets.images({ id, split: 'test', indices }),
    explain: (id, datasetIndex) => inference.explain({ id, image: { datasetIndex } }),
  })

  const handlers: Handlers = {
    ...system.handlers(),
    ...datasetHandlers(datasets),
    ...modelHandlers(models),
    ...runHandlers(store),
    ...trainingHandlers(training),
    ...compareHandlers(runsAndRegistry, predictions),
    ...inferenceHandlers(inference),
    ...reportHandlers(report),
  }

  const invoke = createDispatcher(handlers, { shell: options.shell })
  return {
    dataDir: options.dataDir,
    shell: options.shell,
    events,
    invoke,
    async call(method, input) {
      const result = await invoke(method, input)
      if (!result.ok) throw ContractError.from(result.error)
      return result.value as never
    },
    async close() {
      for (const close of closers.reverse()) {
        try {
          await close()
        } catch (error) {
          console.error('while closing the core:', toContractError(error).message)
        }
      }
    },
  }
}

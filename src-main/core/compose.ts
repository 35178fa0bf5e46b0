import { join } from 'node:path'
import { ContractError } from '@shared/contract'
import { createDispatcher, toContractError, type Core } from './core'
import { EventBus } from './event-bus'
import type { Handlers, Shell } from './handlers'
import { SystemService } from '../system'
import { openRunStore } from '../store/run-store'
import { runHandlers } from '../store/handlers'
import { ModelService, modelHandlers } from '../base-models'
import { DatasetService, datasetHandlers } from '../data'
import { TrainingService, trainingHandlers } from '../experiments'
import { APP_VERSION } from '../system/app-version'

export interface CoreOptions {
  dataDir: string
  shell: Shell
  /** Force a backend (setting or --backend); null = the best available. */
  backend?: string | null
  electronVersion?: string | null
}

/**
 * The composition root: opens the store, builds each domain's service and maps every contract method
 * to its handler. Every shell (Electron, browser mode, CLI, tests) goes through here.
 */
export function createCore(options: CoreOptions): Promise<Core> {
  // Opening is synchronous; the executor turns a failure there into a rejection, like any later one.
  return new Promise((resolve) => resolve(openCore(options)))
}

function openCore(options: CoreOptions): Core {
  const events = new EventBus()
  const closers: Array<() => Promise<void> | void> = []
  // The run history first: every service records into it. Runs left `running` by a process that died
  // are marked interrupted before anything reads them. Pushed first, so it closes last.
  const store = openRunStore(join(options.dataDir, 'workbench.sqlite'), { dataDir: options.dataDir })
  closers.push(() => store.close())
  store.markInterruptedRuns()
  const system = new SystemService({
    dataDir: options.dataDir,
    shell: options.shell,
    backend: options.backend ?? null,
    electronVersion: options.electronVersion ?? null,
  })

  const models = new ModelService({ dataDir: options.dataDir, registry: store, events })
  const datasets = new DatasetService({ dataDir: options.dataDir, registry: store, events })
  closers.push(() => datasets.close())

  // Training runs in a worker owned by this (main) process; closed before the store it writes to.
  // Every run reads the backend and threads then (--backend, else the saved setting, else automatic).
  const training = new TrainingService({
    dataDir: options.dataDir,
    store,
    events,
    appVersion: APP_VERSION,
    preference: () => system.backendPreference(),
  })
  closers.push(() => training.close())

  const handlers: Handlers = {
    ...system.handlers(),
    ...datasetHandlers(datasets),
    ...modelHandlers(models),
    ...runHandlers(store),
    ...trainingHandlers(training),
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

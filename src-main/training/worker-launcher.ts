import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * Starts the training worker. In a build, electron-vite emits it beside the main bundle as
 * `training-worker.js`; from sources (tsx, vitest, the CLI) the TypeScript entry is started with
 * tsx's loader, which also resolves the `@shared/*` alias from tsconfig.json.
 */
export function startTrainingWorker(workerData: unknown): Worker {
  const here = dirname(fileURLToPath(import.meta.url))
  const bundled = join(here, 'training-worker.js')
  if (!import.meta.url.endsWith('.ts') && existsSync(bundled)) {
    return new Worker(bundled, { workerData })
  }
  const source = join(here, '../engine/training/worker.ts')
  return new Worker(source, { workerData, execArgv: ['--import', 'tsx'] })
}

import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'
import { setNativeEnvironment } from '../engine/backend'

/**
 * Starts the training worker. In a build, electron-vite emits it beside the main bundle as
 * `training-worker.js`. From sources (tsx, vitest, the CLI) the TypeScript entry is loaded through
 * tsx's API inside the worker: `execArgv: ['--import', 'tsx']` does not reach worker threads on
 * Node 20 ("Unknown file extension .ts"), registering the loader in the worker itself does, and
 * passing tsconfig.json keeps the `@shared/*` alias working whatever the cwd.
 */
export function startTrainingWorker(workerData: unknown, threads: number | null = null): Worker {
  // Native TensorFlow in the worker reads the real environment, which only this thread can set.
  setNativeEnvironment(threads)
  return startEngineWorker('training-worker.js', 'src-main/engine/training/worker.ts', workerData)
}

/** Any engine worker: `bundledName` beside the main bundle in a build, `sourcePath` (from the repo root) under tsx. */
export function startEngineWorker(bundledName: string, sourcePath: string, workerData: unknown): Worker {
  const here = dirname(fileURLToPath(import.meta.url))
  const bundled = join(here, bundledName)
  if (!import.meta.url.endsWith('.ts') && existsSync(bundled)) {
    return new Worker(bundled, { workerData })
  }
  const root = join(here, '../..')
  const source = pathToFileURL(join(root, sourcePath)).href
  const tsxApi = pathToFileURL(
    createRequire(join(root, 'package.json'))
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href
  const tsconfig = join(root, 'tsconfig.json')
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then(({ register }) => { register({ tsconfig: ${JSON.stringify(tsconfig)} }); return import(${JSON.stringify(source)}) })` +
    `.catch((error) => { require('node:worker_threads').parentPort.postMessage({ type: 'done', status: 'failed', message: 'training worker could not start: ' + error.message }) })`
  return new Worker(bootstrap, { eval: true, workerData })
}

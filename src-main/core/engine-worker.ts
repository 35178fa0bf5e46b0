import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/** The message a worker posts when its code cannot even load: `frame` with `key` set to the reason. */
export interface LoadFailure {
  frame: Record<string, unknown>
  key: string
  /** Names the worker in the reason ("training worker could not start: …"). */
  label: string
}

/**
 * Starts one of the engine's workers (training, inference, re-evaluation). In a build, electron-vite
 * emits each beside the main bundle as `bundledName`. From sources (tsx, vitest, the CLI) the
 * TypeScript entry `sourcePath` is loaded through tsx's API registered inside the worker:
 * `execArgv: ['--import', 'tsx']` does not reach worker threads on Node 20 ("Unknown file extension
 * .ts"), and passing tsconfig.json keeps the `@shared/*` alias working whatever the cwd.
 */
export function startEngineWorker(bundledName: string, sourcePath: string, workerData: unknown, failure: LoadFailure): Worker {
  // src-main/core in sources, out/main in a build: the package root is two folders up either way.
  const here = dirname(fileURLToPath(import.meta.url))
  if (!import.meta.url.endsWith('.ts')) {
    // Beside the main bundle, or one folder up should this code land in a shared chunk (out/main/chunks).
    const bundled = [join(here, bundledName), join(here, '..', bundledName)].find((file) => existsSync(file))
    if (bundled) return new Worker(bundled, { workerData })
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
    `.catch((error) => { require('node:worker_threads').parentPort.postMessage(Object.assign(${JSON.stringify(failure.frame)}, ` +
    `{ [${JSON.stringify(failure.key)}]: ${JSON.stringify(`${failure.label} could not start: `)} + error.message })) })`
  return new Worker(bootstrap, { eval: true, workerData })
}

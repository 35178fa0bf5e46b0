import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * Starts the inference worker: `inference-worker.js` beside the main bundle in a build, else the
 * TypeScript entry through tsx's API registered inside the worker (as the training worker does:
 * `--import tsx` does not reach worker threads on Node 20).
 */
export function startInferenceWorker(workerData: unknown): Worker {
  const here = dirname(fileURLToPath(import.meta.url))
  const bundled = join(here, 'inference-worker.js')
  if (!import.meta.url.endsWith('.ts') && existsSync(bundled)) return new Worker(bundled, { workerData })
  const root = join(here, '../..')
  const source = pathToFileURL(join(root, 'src-main/engine/inference/worker.ts')).href
  const tsxApi = pathToFileURL(
    createRequire(join(root, 'package.json'))
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href
  const tsconfig = join(root, 'tsconfig.json')
  const bootstrap =
    `import(${JSON.stringify(tsxApi)})` +
    `.then(({ register }) => { register({ tsconfig: ${JSON.stringify(tsconfig)} }); return import(${JSON.stringify(source)}) })` +
    `.catch((error) => { require('node:worker_threads').parentPort.postMessage({ ok: false, error: 'inference worker could not start: ' + error.message }) })`
  return new Worker(bootstrap, { eval: true, workerData })
}

import type { Worker } from 'node:worker_threads'
import { startEngineWorker } from '../core/engine-worker'

/** Starts the inference worker (src-main/engine/inference/worker.ts; `inference-worker.js` in a build). */
export function startInferenceWorker(workerData: unknown): Worker {
  return startEngineWorker('inference-worker.js', 'src-main/engine/inference/worker.ts', workerData, {
    frame: { ok: false },
    key: 'error',
    label: 'inference worker',
  })
}

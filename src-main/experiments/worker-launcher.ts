import type { Worker } from 'node:worker_threads'
import { startEngineWorker } from '../core/engine-worker'
import { setNativeEnvironment } from '../engine/backend'

/** Starts the training worker (src-main/engine/training/worker.ts; `training-worker.js` in a build). */
export function startTrainingWorker(workerData: unknown, threads: number | null = null): Worker {
  // Native TensorFlow in the worker reads the real environment, which only this thread can set.
  setNativeEnvironment(threads)
  return startEngineWorker('training-worker.js', 'src-main/engine/training/worker.ts', workerData, {
    frame: { type: 'done', status: 'failed' },
    key: 'message',
    label: 'training worker',
  })
}

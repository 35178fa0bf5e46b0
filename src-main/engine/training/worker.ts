// The training worker (worker_threads): bundled by electron-vite as out/main/training-worker.js; under
// tsx/vitest it is started from this file with `--import tsx`. It trains one run and exits.
import { parentPort, workerData } from 'node:worker_threads'
import { z } from 'zod'
import { RunJob, WorkerMessage } from './messages'
import { relayedGpuConnector } from './remote-compute'
import { runJob } from './run-job'
import { lowerTrainingThreadPriority } from './worker-priority'

const Data = z.object({ job: RunJob, cancelFlag: z.instanceof(SharedArrayBuffer) })

/** A batch for the GPU engine is handed to the main thread rather than copied (the worker made it for this message). */
function transferOf(message: WorkerMessage): ArrayBuffer[] {
  if (message.type !== 'gpu' || message.request.type !== 'session') return []
  const { call } = message.request
  return call.call === 'step' || call.call === 'evaluate' ? [call.batch.x.buffer, call.batch.labels.buffer] : []
}

async function main(): Promise<void> {
  const port = parentPort
  if (!port) throw new Error('worker.ts must run as a worker thread')
  const parsed = Data.safeParse(workerData)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    port.postMessage({
      type: 'done',
      status: 'failed',
      message: `invalid training job: ${first ? `${first.path.join('.')}: ${first.message}` : 'bad data'}`,
    })
    return
  }
  // The main thread sets the flag; reading it needs no message round trip, so a cancel is seen
  // between two batches even while the loop never yields.
  const flag = new Int32Array(parsed.data.cancelFlag)
  // Before the backend starts, so its compute threads inherit the lower priority.
  lowerTrainingThreadPriority()
  const isCancelled = () => Atomics.load(flag, 0) !== 0
  // Validate what leaves the worker: a malformed message is a bug here, not on the main thread.
  const emit = (message: WorkerMessage): void => port.postMessage(WorkerMessage.parse(message), transferOf(message))
  // Only a job the main process can lend its GPU engine to listens for messages (a listening port
  // keeps the worker alive, so it is removed when the run ends).
  const listeners: Array<(message: unknown) => void> = []
  const connectGpu = parsed.data.job.gpuHost ? relayedGpuConnector(emit, (listener) => listeners.push(listener)) : null
  const onMessage = (message: unknown): void => listeners.forEach((listener) => listener(message))
  if (connectGpu) port.on('message', onMessage)
  try {
    await runJob(parsed.data.job, emit, isCancelled, connectGpu)
  } finally {
    port.off('message', onMessage)
  }
}

main().catch((error: unknown) => {
  parentPort?.postMessage({
    type: 'done',
    status: 'failed',
    message: `training worker crashed: ${(error as Error).message ?? String(error)}`,
  })
})

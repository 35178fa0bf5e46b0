// The inference worker (worker_threads): bundled by electron-vite as out/main/inference-worker.js;
// under tsx/vitest it is started from this file. It exports or predicts with one run's model and exits,
// so loading a model and running it never blocks the main event loop.
import { parentPort, workerData } from 'node:worker_threads'
import { InferenceJob, runInferenceJob } from './job'

async function main(): Promise<void> {
  const port = parentPort
  if (!port) throw new Error('worker.ts must run as a worker thread')
  const parsed = InferenceJob.safeParse(workerData)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    port.postMessage({
      ok: false,
      error: `invalid inference job: ${first ? `${first.path.join('.')}: ${first.message}` : 'bad data'}`,
    })
    return
  }
  port.postMessage(await runInferenceJob(parsed.data))
}

main().catch((error: unknown) => {
  parentPort?.postMessage({ ok: false, error: `inference worker crashed: ${(error as Error).message ?? String(error)}` })
})

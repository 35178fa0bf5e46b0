// The re-evaluation worker (worker_threads): bundled as out/main/reevaluate-worker.js, started from
// this file under tsx. It predicts one old run's test split and exits, off the main event loop.
import { parentPort, workerData } from 'node:worker_threads'
import { ReevaluateJob, ReevaluateMessage, reevaluateRun } from './reevaluate'

async function main(): Promise<void> {
  const port = parentPort
  if (!port) throw new Error('reevaluate-worker.ts must run as a worker thread')
  const send = (m: ReevaluateMessage) => port.postMessage(ReevaluateMessage.parse(m))
  const parsed = ReevaluateJob.safeParse(workerData)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    send({
      type: 'failed',
      message: `invalid re-evaluation job: ${first ? `${first.path.join('.')}: ${first.message}` : 'bad data'}`,
    })
    return
  }
  try {
    send({ type: 'done', ...(await reevaluateRun(parsed.data)) })
  } catch (error) {
    send({ type: 'failed', message: (error as Error).message ?? String(error) })
  }
}

main().catch((error: unknown) => {
  parentPort?.postMessage({
    type: 'failed',
    message: `re-evaluation worker crashed: ${(error as Error).message ?? String(error)}`,
  })
})

// The base inspect worker (worker_threads): bundled by electron-vite as out/main/inspect-worker.js;
// under tsx/vitest it is started from this file. It loads one imported base at a time to describe
// it, so a model file that sends tfjs or the HDF5 reader into an endless loop blocks this thread,
// which the registry stops, and not the app.
import { parentPort } from 'node:worker_threads'
import { HEARTBEAT } from '../core/watched-worker'
import { handleWithHeartbeat } from '../core/worker-request'
import { inspectKerasFile, inspectSafetensorsFile, inspectTfjsModel } from './inspect'
import type { InspectReply, InspectRequest } from './inspect-protocol'

const port = parentPort
if (!port) throw new Error('inspect-worker.ts must run as a worker thread')
const post = (reply: InspectReply) => port.postMessage(reply)

port.on('message', (request: InspectRequest) => void handle(request))

async function handle(request: InspectRequest): Promise<void> {
  await handleWithHeartbeat(
    () => post(HEARTBEAT),
    post,
    async () => {
      if (request.type === 'tfjs') post({ type: 'tfjs', inspection: await inspectTfjsModel(request.dir, request.family) })
      else if (request.type === 'keras') post({ type: 'keras', inspection: await inspectKerasFile(request.file, request.family) })
      else post({ type: 'safetensors', inspection: await inspectSafetensorsFile(request.file, request.arch) })
    },
  )
}

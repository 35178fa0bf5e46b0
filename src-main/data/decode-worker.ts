// The dataset decode worker (worker_threads): bundled by electron-vite as out/main/decode-worker.js;
// under tsx/vitest it is started from this file. It reads and decodes one import source at a time,
// so a decoder that never returns blocks this thread, which the importer can stop, and not the app.
import { parentPort } from 'node:worker_threads'
import { handleWithHeartbeat } from '../core/worker-request'
import type { DecodeGo, DecodeReply, DecodeRequest } from './decode-protocol'
import { openSource } from './sources/archive'
import { readCifarBinary } from './sources/cifar-binary'
import { readCifarPython } from './sources/cifar-python'
import type { DecodedDataset } from './sources/decoded'
import { readImageFolder } from './sources/image-folder'

const port = parentPort
if (!port) throw new Error('decode-worker.ts must run as a worker thread')
const post = (reply: DecodeReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer)

let waiting: ((go: DecodeGo) => void) | null = null

port.on('message', (message: DecodeRequest | DecodeGo) => {
  if (message.type === 'open') void handle(message)
  else waiting?.(message)
})

/** Arrays that own their whole buffer move without a copy; others (views into a pool) are copied. */
function transferList(decoded: DecodedDataset): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>()
  for (const split of [decoded.train, decoded.test]) {
    for (const array of [split.images, split.labels]) {
      if (array.byteOffset === 0 && array.byteLength === array.buffer.byteLength && array.buffer instanceof ArrayBuffer)
        buffers.add(array.buffer)
    }
  }
  return [...buffers]
}

async function handle(request: DecodeRequest): Promise<void> {
  const onProgress = (stage: string, done: number, total: number | null, message: string | null = null) =>
    post({ type: 'progress', stage, done, total, message })
  await handleWithHeartbeat(
    () => post({ type: 'alive' }),
    (failed) => post(failed),
    async () => {
      const source = await openSource(request.path, { onProgress })
      const go = new Promise<DecodeGo>((resolve) => (waiting = resolve))
      post({ type: 'opened', sha256: source.sha256 })
      const answer = await go
      waiting = null
      if (answer.type === 'drop') return
      onProgress('decode', 0, null, 'checking the format')
      const decoded =
        readCifarBinary(source.entries, request.path) ??
        readCifarPython(source.entries, request.path) ??
        (await readImageFolder(source.entries, request.path, { ...request, onProgress }))
      source.entries.length = 0
      post({ type: 'decoded', decoded }, transferList(decoded))
    },
  )
}

import type { WebSocket, WebSocketServer } from 'ws'
import { z } from 'zod'
import type { AnyEvent, CallResult } from '@shared/contract'
import type { ServerFrame } from '@shared/transport/bridge'
import type { Core } from '../core/core'

/** A client frame as it must arrive; anything else is answered with invalid_input (or dropped). */
const ClientFrameSchema = z.object({
  id: z.number().int().min(0),
  method: z.string().min(1).max(200),
  payload: z.unknown(),
})

/** Above this many buffered bytes a slow client stops receiving per-batch progress (epochs still go). */
const BATCH_EVENT_BACKPRESSURE_BYTES = 4 * 1024 * 1024

function send(socket: WebSocket, frame: ServerFrame): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(frame))
}

function isDroppable(event: AnyEvent): boolean {
  return event.event === 'run.progress' && event.payload.type === 'batch'
}

/** Serves the contract over each authorised socket: calls in, results and every event out. */
export function attachCoreToSockets(wss: WebSocketServer, core: Core): void {
  wss.on('connection', (socket) => {
    const unsubscribe = core.events.subscribe((event) => {
      if (isDroppable(event) && socket.bufferedAmount > BATCH_EVENT_BACKPRESSURE_BYTES) return
      send(socket, { event: event.event, payload: event.payload })
    })
    socket.on('close', unsubscribe)
    socket.on('error', unsubscribe)
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        socket.close(1003, 'binary frames are not part of the protocol')
        return
      }
      let raw: unknown
      try {
        // Text frames arrive as one Buffer (ws' default binaryType joins fragments).
        raw = JSON.parse((data as Buffer).toString('utf8'))
      } catch {
        socket.close(1007, 'frames must be JSON')
        return
      }
      const frame = ClientFrameSchema.safeParse(raw)
      if (!frame.success) {
        const id = typeof raw === 'object' && raw !== null && 'id' in raw && typeof raw.id === 'number' ? raw.id : null
        if (id === null) {
          socket.close(1007, 'frames must be { id, method, payload }')
          return
        }
        const result: CallResult<unknown> = {
          ok: false,
          error: { code: 'invalid_input', message: 'frames must be { id: integer, method: string, payload }' },
        }
        send(socket, { id, result })
        return
      }
      const { id, method, payload } = frame.data
      void core
        .invoke(method, payload)
        .catch((error: unknown): CallResult<unknown> => ({
          ok: false,
          error: { code: 'internal', message: error instanceof Error ? error.message : String(error) },
        }))
        .then((result) => send(socket, { id, result }))
    })
  })
}

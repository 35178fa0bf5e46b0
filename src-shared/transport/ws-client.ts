import type { AnyEvent, CallResult } from '../contract'
import { TOKEN_PARAM, WS_PATH, type ClientFrame, type ServerFrame, type WorkbenchBridge } from './bridge'

/** The part of the DOM WebSocket this bridge uses (so the `ws` package fits too, in tests). */
export interface SocketLike {
  readonly readyState: number
  send(data: string): void
  close(code?: number, reason?: string): void
  onopen: ((ev: unknown) => void) | null
  onclose: ((ev: { code: number; reason: string }) => void) | null
  onerror: ((ev: unknown) => void) | null
  onmessage: ((ev: { data: unknown }) => void) | null
}
export type SocketFactory = new (url: string) => SocketLike

export type ConnectionState = 'connecting' | 'open' | 'closed'

export interface WebSocketBridge extends WorkbenchBridge {
  readonly state: ConnectionState
  /** Called on every state change (show "reconnecting…" while not open). Returns an unsubscribe. */
  onStateChange(listener: (state: ConnectionState) => void): () => void
  /** Stop for good: pending calls fail, no reconnect. */
  close(): void
}

export interface WebSocketBridgeOptions {
  /** Defaults to the global WebSocket (browsers, Node ≥ 22). */
  WebSocket?: SocketFactory
  /** First reconnect delay; doubles up to maxDelayMs. */
  minDelayMs?: number
  maxDelayMs?: number
}

const OPEN = 1

/** The socket URL for a page served by browser mode: same host, /ws, the page's token if it has one. */
export function browserSocketUrl(location: { protocol: string; host: string; search: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
  const token = new URLSearchParams(location.search).get(TOKEN_PARAM)
  // Without a token in the page URL the server's cookie (set on the first tokened load) authorises.
  return `${scheme}//${location.host}${WS_PATH}${token ? `?${TOKEN_PARAM}=${encodeURIComponent(token)}` : ''}`
}

function lost(message: string): CallResult<unknown> {
  return { ok: false, error: { code: 'unavailable', message } }
}

function parseFrame(data: unknown): ServerFrame | null {
  if (typeof data !== 'string') return null
  try {
    const frame = JSON.parse(data) as unknown
    if (typeof frame !== 'object' || frame === null) return null
    if ('id' in frame && typeof frame.id === 'number' && 'result' in frame) return frame as ServerFrame
    if ('event' in frame && typeof frame.event === 'string') return frame as ServerFrame
    return null
  } catch {
    return null
  }
}

/**
 * The renderer's bridge in browser mode: contract calls as JSON frames over one WebSocket, events
 * pushed back on it. Reconnects with backoff; calls made while disconnected wait for the socket, and
 * calls in flight when it drops fail with `unavailable` (they are never replayed: one might have run).
 */
export function createWebSocketBridge(url: string, options: WebSocketBridgeOptions = {}): WebSocketBridge {
  const found = options.WebSocket ?? (globalThis as { WebSocket?: SocketFactory }).WebSocket
  if (!found) throw new Error('no WebSocket implementation in this environment')
  const Socket: SocketFactory = found
  const minDelay = options.minDelayMs ?? 250
  const maxDelay = options.maxDelayMs ?? 5000

  const inFlight = new Map<number, (result: CallResult<unknown>) => void>()
  const waiting: ClientFrame[] = []
  const eventListeners = new Set<(event: AnyEvent) => void>()
  const stateListeners = new Set<(state: ConnectionState) => void>()
  let nextId = 1
  let socket: SocketLike | null = null
  let state: ConnectionState = 'connecting'
  let delay = minDelay
  let timer: ReturnType<typeof setTimeout> | null = null
  let stopped = false

  function setState(next: ConnectionState): void {
    if (state === next) return
    state = next
    for (const listener of stateListeners) listener(next)
  }

  function connect(): void {
    timer = null
    setState('connecting')
    const ws = new Socket(url)
    socket = ws
    ws.onopen = () => {
      delay = minDelay
      setState('open')
      for (const frame of waiting.splice(0)) ws.send(JSON.stringify(frame))
    }
    ws.onmessage = (message) => {
      const frame = parseFrame(message.data)
      if (!frame) return
      if ('id' in frame) {
        const resolve = inFlight.get(frame.id)
        inFlight.delete(frame.id)
        resolve?.(frame.result)
      } else {
        const event = { event: frame.event, payload: frame.payload } as AnyEvent
        for (const listener of eventListeners) listener(event)
      }
    }
    ws.onerror = () => {
      // onclose follows and decides about reconnecting.
    }
    ws.onclose = () => {
      if (socket !== ws) return
      socket = null
      const sentIds = [...inFlight.keys()].filter((id) => !waiting.some((f) => f.id === id))
      for (const id of sentIds) {
        inFlight.get(id)?.(lost('the connection to the workbench server was lost during the call'))
        inFlight.delete(id)
      }
      if (stopped) {
        setState('closed')
        return
      }
      setState('connecting')
      timer = setTimeout(connect, delay)
      delay = Math.min(maxDelay, delay * 2)
    }
  }

  connect()

  return {
    shell: 'browser',
    get state() {
      return state
    },
    invoke(method, payload) {
      if (stopped) return Promise.resolve(lost('the workbench connection is closed'))
      const frame: ClientFrame = { id: nextId++, method, payload }
      return new Promise((resolve) => {
        inFlight.set(frame.id, resolve)
        if (socket && socket.readyState === OPEN) socket.send(JSON.stringify(frame))
        else waiting.push(frame)
      })
    },
    subscribe(listener) {
      eventListeners.add(listener)
      return () => eventListeners.delete(listener)
    },
    onStateChange(listener) {
      stateListeners.add(listener)
      return () => stateListeners.delete(listener)
    },
    close() {
      stopped = true
      if (timer) clearTimeout(timer)
      for (const frame of waiting.splice(0)) {
        inFlight.get(frame.id)?.(lost('the workbench connection is closed'))
        inFlight.delete(frame.id)
      }
      if (socket) socket.close(1000, 'closed by the page')
      else setState('closed')
    },
  }
}

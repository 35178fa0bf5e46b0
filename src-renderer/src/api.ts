import { createApiClient, type ApiClient } from '@shared/transport/api-client'
import { TOKEN_PARAM, WS_PATH, type WorkbenchBridge } from '@shared/transport/bridge'
import { createWebSocketBridge } from '@shared/transport/ws-client'
import type { Api, EventName, EventPayload } from '@shared/contract'

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in browser mode. */
    workbench?: WorkbenchBridge
  }
}

let client: ApiClient | null = null

/** The socket URL of browser mode: same host, the token from the page's own `?token=`. */
export function browserSocketUrl(loc: Location = window.location): string {
  const token = new URLSearchParams(loc.search).get(TOKEN_PARAM) ?? ''
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${loc.host}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`
}

/** Connects once: the preload's bridge in Electron, the WebSocket bridge in a browser. */
export async function connect(): Promise<ApiClient> {
  if (client) return client
  const bridge: WorkbenchBridge = window.workbench ?? (await createWebSocketBridge(browserSocketUrl()))
  client = createApiClient(bridge)
  return client
}

/** The typed API; only valid after connect() resolved (App shows a connecting state until then). */
export function api(): Api {
  if (!client) throw new Error('the workbench API is not connected yet')
  return client.api
}

export function shell(): 'electron' | 'browser' {
  return client?.shell ?? (window.workbench ? 'electron' : 'browser')
}

export function onEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  if (!client) throw new Error('the workbench API is not connected yet')
  return client.on(event, listener)
}

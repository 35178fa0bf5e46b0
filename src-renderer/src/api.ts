import { createApiClient, type ApiClient } from '@shared/transport/api-client'
import type { WorkbenchBridge } from '@shared/transport/bridge'
import { browserSocketUrl, createWebSocketBridge } from '@shared/transport/ws-client'
import type { Api, EventName, EventPayload } from '@shared/contract'

declare global {
  interface Window {
    /** Exposed by the Electron preload; absent in browser mode. */
    workbench?: WorkbenchBridge
  }
}

/**
 * One plain socket first: if the server closes it before it opens (wrong or missing token) the user
 * gets a clear error at once, instead of the bridge retrying quietly forever.
 */
function probe(url: string, timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url)
    const timer = setTimeout(() => {
      ws.close()
      reject(new Error('the workbench server did not answer'))
    }, timeoutMs)
    ws.onopen = () => {
      clearTimeout(timer)
      ws.close()
      resolve()
    }
    ws.onclose = (event) => {
      clearTimeout(timer)
      reject(
        new Error(
          `the workbench server refused the connection (code ${event.code}${event.reason ? `: ${event.reason}` : ''}); is the access token in the URL right?`,
        ),
      )
    }
  })
}

let client: ApiClient | null = null

/** Connects once: the preload's bridge in Electron, the WebSocket bridge in a browser. */
export async function connect(): Promise<ApiClient> {
  if (client) return client
  let bridge: WorkbenchBridge
  if (window.workbench) bridge = window.workbench
  else {
    const url = browserSocketUrl(window.location)
    await probe(url)
    bridge = createWebSocketBridge(url)
  }
  client = createApiClient(bridge)
  return client
}

/** The typed API; only valid after connect() resolved (App shows a connecting state until then). */
export function api(): Api {
  if (!client) throw new Error('the workbench API is not connected yet')
  return client.api
}

export function onEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void {
  if (!client) throw new Error('the workbench API is not connected yet')
  return client.on(event, listener)
}

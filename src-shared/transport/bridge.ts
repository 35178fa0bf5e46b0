import type { AnyEvent, CallResult } from '../contract'

/**
 * What a shell hands the renderer: the Electron preload exposes it as `window.workbench` (and nothing
 * else), browser mode builds it over the WebSocket (ws-client.ts: createWebSocketBridge). Both carry the
 * same contract; the renderer wraps it with createApiClient. Files (charts, CSV, bundles) are saved the
 * same way in both shells, with an `<a download>` of a Blob URL, so the bridge has no file API.
 */
export interface WorkbenchBridge {
  readonly shell: 'electron' | 'browser'
  invoke(method: string, payload: unknown): Promise<CallResult<unknown>>
  subscribe(listener: (event: AnyEvent) => void): () => void
}

/** Browser-mode WebSocket frames (JSON). */
export type ClientFrame = { id: number; method: string; payload: unknown }
export type ServerFrame = { id: number; result: CallResult<unknown> } | { event: AnyEvent['event']; payload: unknown }

/** Browser mode: the socket lives at this path; the per-start token rides in `?token=`. */
export const WS_PATH = '/ws'
export const TOKEN_PARAM = 'token'

/** Electron IPC channels used by the preload and the main process (src-main/electron/ipc.ts). */
export const IPC_INVOKE = 'workbench:invoke'
export const IPC_EVENT = 'workbench:event'

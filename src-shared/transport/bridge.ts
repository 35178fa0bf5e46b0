import type { AnyEvent, CallResult } from '../contract'

/**
 * What a shell hands the renderer: the Electron preload exposes it as `window.workbench`, browser mode
 * builds it over the WebSocket. Both carry the same contract; the renderer wraps it with createApiClient.
 */
export interface WorkbenchBridge {
  readonly shell: 'electron' | 'browser'
  invoke(method: string, payload: unknown): Promise<CallResult<unknown>>
  subscribe(listener: (event: AnyEvent) => void): () => void
}

/** Browser-mode WebSocket frames (JSON). */
export type ClientFrame = { id: number; method: string; payload: unknown }
export type ServerFrame =
  | { id: number; result: CallResult<unknown> }
  | { event: AnyEvent['event']; payload: unknown }

/** Browser mode: the socket lives at this path; the per-start token rides in `?token=`. */
export const WS_PATH = '/ws'
export const TOKEN_PARAM = 'token'

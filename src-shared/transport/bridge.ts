import type { AnyEvent, CallResult, DesktopBridge } from '../contract'

/**
 * What a shell hands the renderer: the Electron preload exposes it as `window.workbench` (and nothing
 * else), browser mode builds it over the WebSocket (ws-client.ts: createWebSocketBridge). Both carry the
 * same contract; the renderer wraps it with createApiClient. The desktop shell adds `desktop` (native
 * dialogs, reveal, menu); without it the renderer saves with an `<a download>` of a Blob URL and picks
 * files with a file input.
 */
export interface WorkbenchBridge {
  readonly shell: 'electron' | 'browser'
  readonly desktop?: DesktopBridge
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
/** The desktop capabilities (src-shared/contract/shell.ts): calls, and menu actions sent to the renderer. */
export const IPC_SHELL_INVOKE = 'workbench:shell'
export const IPC_SHELL_MENU = 'workbench:menu'

import { BrowserWindow, ipcMain, type IpcMainInvokeEvent, type WebFrameMain } from 'electron'
import type { CallResult } from '@shared/contract'
import { IPC_EVENT, IPC_INVOKE } from '@shared/transport/bridge'
import type { Core } from '../core/core'

/** Only the app's own top-level page may call the core (not an iframe, not a navigated-away page). */
export function isTrustedFrame(frame: WebFrameMain | null, isAppUrl: (url: string) => boolean): boolean {
  if (!frame || frame.isDestroyed()) return false
  return frame.parent === null && isAppUrl(frame.url)
}

/**
 * Maps the contract onto IPC: one invoke channel (validated by core.invoke, which never throws) and
 * one event channel pushed to every app window. Returns a function that removes both.
 */
export function connectCoreToIpc(core: Core, isAppUrl: (url: string) => boolean): () => void {
  ipcMain.handle(
    IPC_INVOKE,
    async (event: IpcMainInvokeEvent, method: unknown, payload: unknown): Promise<CallResult<unknown>> => {
      if (!isTrustedFrame(event.senderFrame, isAppUrl)) {
        const url = event.senderFrame?.url ?? 'an unknown frame'
        console.warn(`refused IPC call from ${url}`)
        return { ok: false, error: { code: 'unauthorized', message: 'calls are only accepted from the workbench window' } }
      }
      if (typeof method !== 'string') {
        return { ok: false, error: { code: 'invalid_input', message: 'method must be a string' } }
      }
      return core.invoke(method, payload)
    },
  )
  const unsubscribe = core.events.subscribe((message) => {
    for (const window of BrowserWindow.getAllWindows()) {
      const contents = window.webContents
      if (!contents.isDestroyed() && isAppUrl(contents.getURL())) contents.send(IPC_EVENT, message)
    }
  })
  return () => {
    unsubscribe()
    ipcMain.removeHandler(IPC_INVOKE)
  }
}

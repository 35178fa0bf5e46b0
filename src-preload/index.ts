// Runs sandboxed in the renderer before the page: exposes exactly one object, window.workbench, with
// the contract's invoke/subscribe over IPC. No Node, no Electron object, no other API leaks through.
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import type { AnyEvent, CallResult, DesktopBridge, MenuAction } from '@shared/contract'
import { IPC_EVENT, IPC_INVOKE, IPC_SHELL_INVOKE, IPC_SHELL_MENU, type WorkbenchBridge } from '@shared/transport/bridge'

// Native dialogs, reveal and the menu (src-main/electron/desktop.ts); the main process validates every call.
const desktop: DesktopBridge = {
  invoke(method: string, payload: unknown): Promise<CallResult<unknown>> {
    return ipcRenderer.invoke(IPC_SHELL_INVOKE, method, payload) as Promise<CallResult<unknown>>
  },
  onMenu(listener: (action: MenuAction) => void): () => void {
    const handler = (_event: IpcRendererEvent, action: MenuAction) => listener(action)
    ipcRenderer.on(IPC_SHELL_MENU, handler)
    return () => {
      ipcRenderer.removeListener(IPC_SHELL_MENU, handler)
    }
  },
  pathForFile: (file: File) => webUtils.getPathForFile(file),
}

const bridge: WorkbenchBridge = {
  shell: 'electron',
  desktop,
  invoke(method: string, payload: unknown): Promise<CallResult<unknown>> {
    if (typeof method !== 'string') {
      return Promise.resolve({ ok: false, error: { code: 'invalid_input', message: 'method must be a string' } })
    }
    return ipcRenderer.invoke(IPC_INVOKE, method, payload) as Promise<CallResult<unknown>>
  },
  subscribe(listener: (event: AnyEvent) => void): () => void {
    const handler = (_event: IpcRendererEvent, message: AnyEvent) => listener(message)
    ipcRenderer.on(IPC_EVENT, handler)
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler)
    }
  },
}

contextBridge.exposeInMainWorld('workbench', bridge)

// Runs sandboxed in the renderer before the page: exposes exactly one object, window.workbench, with
// the contract's invoke/subscribe over IPC. No Node, no Electron object, no other API leaks through.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import type { AnyEvent, CallResult } from '@shared/contract'
import { IPC_EVENT, IPC_INVOKE, type WorkbenchBridge } from '@shared/transport/bridge'

const bridge: WorkbenchBridge = {
  shell: 'electron',
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

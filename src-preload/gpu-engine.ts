// The GPU engine window's preload: forwards the one MessagePort the main process sends into the page
// (src-renderer/gpu-engine), which then speaks the contract in src-shared/contract/gpu-engine.ts over
// it. Nothing else is exposed; the page has no IPC of its own.
import { ipcRenderer } from 'electron'
import { GPU_ENGINE_PORT_CHANNEL, GPU_ENGINE_PORT_MESSAGE } from '@shared/transport/gpu-engine-channel'

/** The page's window (this file is typed for Node); its main world receives what the preload posts. */
const page = globalThis as unknown as { postMessage(message: unknown, targetOrigin: string, transfer: unknown[]): void }

ipcRenderer.once(GPU_ENGINE_PORT_CHANNEL, (event) => {
  page.postMessage(GPU_ENGINE_PORT_MESSAGE, '*', event.ports)
})

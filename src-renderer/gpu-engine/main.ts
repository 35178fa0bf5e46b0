// The GPU engine page: trains on Chromium's WebGPU for the main process, which owns runs, the store and
// files. It receives one MessagePort (from its preload in the app, or from whoever hosts the page) and
// serves the engine's side of it (src-main/engine/training/gpu-engine-server.ts): `hello` with the
// adapter, step jobs, training sessions, every fault as a typed message.
import { GPU_ENGINE_PORT_MESSAGE } from '@shared/contract/gpu-engine'
import { gpuEngineServer } from '../../src-main/engine/training/gpu-engine-server'
import { createStockOptimizer } from '../../src-main/engine/training/optimizer-kinds'
import { startGpuDevice } from './device'

const show = (id: 'state' | 'adapter' | 'job', text: string): void => {
  const element = document.getElementById(id)
  if (element) element.textContent = text
}

function serve(port: MessagePort): void {
  // Off wasm the engine's fused Adam is exactly tfjs' AdamOptimizer, so tfjs' own classes run here.
  const handle = gpuEngineServer({
    startDevice: startGpuDevice,
    createOptimizer: createStockOptimizer,
    post: (event, transfer) => port.postMessage(event, transfer),
    show,
  })
  port.onmessage = (message: MessageEvent<unknown>) => handle(message.data)
  port.start()
  show('state', 'connected')
}

// The port arrives by window.postMessage from the same window (the preload's world, or a host page's
// script), never from another origin.
window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.source !== window || event.data !== GPU_ENGINE_PORT_MESSAGE || !event.ports[0]) return
  serve(event.ports[0])
})

// A GPU engine served in a worker thread on the wasm backend, for the relay benchmark: the page's own
// server code (engine/training/gpu-engine-server.ts) behind a thread's message port, as the desktop
// app's hidden window serves it behind a MessagePort. Its adapter says what it is.
import { parentPort, workerData } from 'node:worker_threads'
import { initBackend } from '../../src-main/engine/backend'
import { gpuEngineServer } from '../../src-main/engine/training/gpu-engine-server'
import { createOptimizer } from '../../src-main/engine/training/optimizer'
import { cpuEngineAdapter } from '../../tests/unit/support/gpu-engine-host'

const port = parentPort
if (!port) throw new Error('engine-thread.ts runs as a worker thread')
const { threads } = workerData as { threads: number }
const adapter = cpuEngineAdapter(false, {
  vendor: 'bench',
  architecture: 'wasm',
  description: 'GPU engine protocol on the wasm backend (a worker thread)',
})
const handle = gpuEngineServer({
  async startDevice() {
    await initBackend('wasm', { threads })
    return { adapter, faulted: new Promise<never>(() => undefined) }
  },
  // The worker's own optimizers (the fused Adam on wasm), so that only the protocol differs.
  createOptimizer,
  post: (event, transfer) => port.postMessage(event, transfer),
})
port.on('message', (message: unknown) => handle(message))

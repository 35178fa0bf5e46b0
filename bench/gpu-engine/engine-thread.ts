// A GPU engine served in a worker thread on the wasm backend, for the relay benchmark: the page's own
// server code (engine/training/gpu-engine-server.ts) behind a thread's message port, as the desktop
// app's hidden window serves it behind a MessagePort. Its adapter says what it is.
import { parentPort, workerData } from 'node:worker_threads'
import type { WebGpuAdapterInfo } from '@shared/domain/system'
import { initBackend } from '../../src-main/engine/backend'
import { gpuEngineServer } from '../../src-main/engine/training/gpu-engine-server'
import { createOptimizer } from '../../src-main/engine/training/optimizer'

const port = parentPort
if (!port) throw new Error('engine-thread.ts runs as a worker thread')
const { threads } = workerData as { threads: number }
const limit = 1 << 30
const adapter: WebGpuAdapterInfo = {
  vendor: 'bench',
  architecture: 'wasm',
  device: '',
  description: 'GPU engine protocol on the wasm backend (a worker thread)',
  software: false,
  api: 'bench',
  featureLevel: 'core',
  limits: {
    maxBufferSize: limit,
    maxStorageBufferBindingSize: limit,
    maxStorageBuffersPerShaderStage: 10,
    maxComputeWorkgroupStorageSize: 32768,
    maxComputeInvocationsPerWorkgroup: 1024,
    maxComputeWorkgroupsPerDimension: 65535,
  },
}
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

// The GPU engine served in this process, as the desktop app's hidden page serves it: the same server
// and session code (src-main/engine/training/gpu-engine-server.ts), every message structured-cloned as
// a MessagePort would, on a tfjs backend of this thread instead of Chromium's WebGPU. Its adapter says
// so. A test can lose its device as a GPU would, and count the calls that reached it.
import type { GpuEngineEvent, GpuEngineRequest } from '@shared/contract/gpu-engine'
import type { WebGpuAdapterInfo } from '@shared/domain/system'
import { helloOverPort, type GpuEngineLink, type GpuHost } from '../../../src-main/engine/backend/gpu-host'
import { initBackend } from '../../../src-main/engine/backend'
import { GpuFault, gpuEngineServer } from '../../../src-main/engine/training/gpu-engine-server'
import { GpuEngineClient } from '../../../src-main/engine/training/remote-compute'
import { createStockOptimizer } from '../../../src-main/engine/training/optimizer-kinds'

export interface TestGpuEngine extends GpuHost {
  adapter: WebGpuAdapterInfo
  /** Every session call the engine received, by name. */
  calls: string[]
  /** Fails the device as a lost GPU does: the call in flight and every later one get the fault. */
  loseDevice(message?: string): void
  /** A client for runJob in this thread (what the training worker builds from the relayed link). */
  client(allowSoftwareAdapter?: boolean): Promise<GpuEngineClient>
}

/** The adapter of an engine served on a CPU backend, named for what it is; generous limits. */
export function cpuEngineAdapter(
  software: boolean,
  name: { vendor: string; architecture: string; description: string } = {
    vendor: 'test',
    architecture: 'tfjs-cpu',
    description: 'test GPU engine on the tfjs cpu backend',
  },
): WebGpuAdapterInfo {
  const limit = 1 << 30
  return {
    ...name,
    device: '',
    software,
    api: name.vendor,
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
}

/** `adapter: null`: an engine with no adapter at all (connect rejects with `reason`). */
export function testGpuEngine(options: { software?: boolean; noAdapter?: string } = {}): TestGpuEngine {
  const adapter = cpuEngineAdapter(options.software ?? false)
  let lose: (error: Error) => void = () => undefined
  const faulted = new Promise<never>((_, reject) => (lose = reject))
  faulted.catch(() => undefined)
  const listeners = new Set<(event: GpuEngineEvent) => void>()
  const calls: string[] = []
  const handle = gpuEngineServer({
    async startDevice() {
      if (options.noAdapter) throw new GpuFault('no-adapter', options.noAdapter)
      await initBackend('cpu')
      return { adapter, faulted }
    },
    createOptimizer: createStockOptimizer,
    post: (event) => {
      const copy = structuredClone(event)
      setImmediate(() => listeners.forEach((listener) => listener(copy)))
    },
  })
  const send = (request: GpuEngineRequest): void => {
    if (request.type === 'session') calls.push(request.call.call)
    const copy = structuredClone(request)
    setImmediate(() => handle(copy))
  }
  const subscribe = (listener: (event: GpuEngineEvent) => void): (() => void) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }
  const link: GpuEngineLink = { adapter, send, subscribe }
  let ready: Promise<GpuEngineLink> | null = null
  const engine: TestGpuEngine = {
    adapter,
    calls,
    async connect(allowSoftwareAdapter) {
      ready ??= helloOverPort(send, subscribe, true)
      await ready.catch((error: unknown) => {
        ready = null
        throw error
      })
      if (adapter.software && !allowSoftwareAdapter) throw new Error('the test GPU engine has only a software adapter')
      return link
    },
    loseDevice(message = 'the GPU device was lost (destroyed): the test took it away') {
      lose(new GpuFault('device-lost', message))
    },
    async client(allowSoftwareAdapter = false) {
      const connected = await engine.connect(allowSoftwareAdapter)
      const client = new GpuEngineClient(connected.adapter, (request) => connected.send(request))
      connected.subscribe((event) => client.receive(event))
      return client
    },
  }
  return engine
}

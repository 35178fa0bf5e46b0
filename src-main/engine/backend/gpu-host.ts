// A GPU engine the shell lends the training service: in the desktop app, the hidden window that
// trains on Chromium's WebGPU (src-main/electron/gpu-engine.ts), since Dawn cannot load in Electron.
// The service relays a run's requests and the engine's events between it and the run's worker.
import type { GpuEngineEvent, GpuEngineRequest } from '@shared/contract/gpu-engine'
import type { WebGpuAdapterInfo } from '@shared/domain/system'
import { gpuEngineBackend, initBackend, type BackendStatus } from './index'
import { softwareAdapterAllowed } from './webgpu/adapter'

export interface GpuEngineLink {
  adapter: WebGpuAdapterInfo
  send(request: GpuEngineRequest): void
  /**
   * Every event the engine sends from now on, until the returned function is called. An engine that
   * ends (its window gone) sends an error with jobId null.
   */
  subscribe(listener: (event: GpuEngineEvent) => void): () => void
}

export interface GpuHost {
  /** The engine, started on first use and kept; rejects saying why there is none (no adapter, only a software one). */
  connect(allowSoftwareAdapter: boolean): Promise<GpuEngineLink>
}

/**
 * A GPU engine reached over a port (any transport carrying the contract): `hello` once, then the
 * link once it answers `ready`; rejects with the engine's reason when it has no adapter fit to use.
 */
export function helloOverPort(
  send: (request: GpuEngineRequest) => void,
  subscribe: GpuEngineLink['subscribe'],
  allowSoftwareAdapter: boolean,
): Promise<GpuEngineLink> {
  return new Promise((resolve, reject) => {
    const off = subscribe((event) => {
      if (event.type === 'ready') resolve({ adapter: event.adapter, send, subscribe })
      else if (event.type === 'error' && event.jobId === null) reject(new Error(event.message))
      else return
      off()
    })
    send({ type: 'hello', allowSoftwareAdapter })
  })
}

/**
 * The backend a run computes on where a GPU engine can be borrowed (`requested` null or webgpu):
 * forced webgpu is the engine's adapter, or an error saying why there is none (a software adapter
 * only with WORKBENCH_WEBGPU_ADAPTER=software); the automatic order takes a CUDA GPU here first
 * (then the engine is not asked: `reason` null), then the engine's hardware adapter, then this
 * process's CPU backends (`reason` says why the engine was not used).
 */
export async function backendWithGpuEngine<E extends { adapter: WebGpuAdapterInfo }>(
  requested: 'webgpu' | null,
  threads: number | null,
  connect: (allowSoftwareAdapter: boolean) => Promise<E>,
): Promise<{ status: BackendStatus; engine: E | null; reason: string | null }> {
  const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error))
  if (requested === 'webgpu') {
    const engine = await connect(softwareAdapterAllowed()).catch((error: unknown) => {
      throw new Error(`webgpu cannot start: ${reasonOf(error)}`, { cause: error })
    })
    return { status: gpuEngineBackend(engine.adapter, true), engine, reason: null }
  }
  const local = await initBackend(null, { threads, exclude: ['webgpu'] })
  if (local.name === 'tensorflow-gpu') return { status: local, engine: null, reason: null }
  return connect(false).then(
    (engine) => ({ status: gpuEngineBackend(engine.adapter, false), engine, reason: null }),
    (error: unknown) => ({ status: local, engine: null, reason: reasonOf(error) }),
  )
}

// A GPU engine the shell lends the training service: in the desktop app, the hidden window that
// trains on Chromium's WebGPU (src-main/electron/gpu-engine.ts), since Dawn cannot load in Electron.
// The service relays a run's requests and the engine's events between it and the run's worker.
import type { GpuEngineEvent, GpuEngineRequest } from '@shared/contract/gpu-engine'
import type { WebGpuAdapterInfo } from '@shared/domain/system'

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

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

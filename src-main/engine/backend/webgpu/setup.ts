// tfjs' WebGPU backend on a device from our own adapter request (see ./adapter), and the watch that
// turns a lost device or a GPU error into a failed run instead of silently wrong numbers.
import type { WebGpuAdapterInfo } from '@shared/domain/system'
import { GpuFaultError } from '../read'
import * as tf from '../../tf'
import { acquireAdapter, requiredLimits } from './adapter'
import type { DawnDevice } from './dawn-types'

export interface WebGpuSession {
  info: WebGpuAdapterInfo
  device: DawnDevice
  /** The first fault seen, or null while the device is healthy. */
  fault(): string | null
  /** Rejects with GpuFaultError at the first fault; never resolves. */
  faulted: Promise<never>
}

let session: Promise<WebGpuSession> | null = null

/** Watches a device for loss and uncaptured errors (out of memory, validation, internal). */
export function watchDevice(device: DawnDevice, info: WebGpuAdapterInfo): WebGpuSession {
  let fault: string | null = null
  let reject: (error: GpuFaultError) => void = () => {}
  const faulted = new Promise<never>((_, r) => {
    reject = r
  })
  // A training loop that never reads while the device is healthy must not see an unhandled rejection.
  faulted.catch(() => {})
  const record = (message: string): void => {
    if (fault !== null) return
    fault = message
    reject(new GpuFaultError(message))
  }
  void device.lost.then((lost) => {
    record(`the GPU device was lost (${lost.reason || 'unknown'}): ${lost.message || 'no message'}`)
  })
  device.addEventListener('uncapturederror', (event) => {
    const kind = event.error.constructor.name
    record(
      kind === 'GPUOutOfMemoryError'
        ? `the GPU ran out of memory: ${event.error.message}`
        : `the GPU reported an error (${kind}): ${event.error.message}`,
    )
  })
  return { info, device, fault: () => fault, faulted }
}

async function startSession(): Promise<WebGpuSession> {
  const { adapter, info } = await acquireAdapter()
  const requiredFeatures = ['timestamp-query'].filter((f) => adapter.features.has(f))
  const device = await adapter.requestDevice({ requiredLimits: requiredLimits(adapter), requiredFeatures })
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu')
  const gpuGlobal = globalThis as { navigator?: { gpu?: unknown } }
  // tfjs' backend refuses to construct unless navigator.gpu exists (Node 20 has no navigator at all).
  if (!gpuGlobal.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true })
  if (!gpuGlobal.navigator!.gpu) Object.defineProperty(gpuGlobal.navigator, 'gpu', { value: {}, configurable: true })
  // Importing the package registers no factory here (navigator.gpu was absent then); ours uses this device.
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu')
  const backend = new WebGPUBackend(device as never, adapter.info as never)
  tf.registerBackend('webgpu', () => backend, 3)
  return watchDevice(device, info)
}

/** The engine's WebGPU device, registered as tfjs' "webgpu" backend; created once per thread. */
export function setupWebGpu(): Promise<WebGpuSession> {
  session ??= startSession()
  session.catch(() => {
    session = null
  })
  return session
}

/** The session once one was created (without creating one), for fault checks on the training path. */
export async function currentWebGpuSession(): Promise<WebGpuSession | null> {
  return session ? session.catch(() => null) : null
}

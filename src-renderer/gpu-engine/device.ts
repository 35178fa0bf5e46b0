// Chromium's WebGPU as tfjs' "webgpu" backend, on a device the page requests itself so that it can
// watch it: a lost device or an uncaptured GPU error must fail the job with its reason, never let it
// finish with wrong numbers.
import type { WebGpuAdapterInfo } from '@shared/domain/system'
// The package entry also registers the webgpu kernels; its own factory is replaced below.
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu'
import { KEY_LIMITS } from '../../src-main/engine/backend/webgpu/limits'
import { isSoftwareAdapter } from '../../src-main/engine/backend/webgpu/software'
import * as tf from '../../src-main/engine/tf'
import { GpuFault, type GpuDevice } from '../../src-main/engine/training/gpu-engine-server'

type AdapterInfoFields = Pick<GPUAdapterInfo, 'vendor' | 'architecture' | 'device' | 'description'>

async function adapterInfo(adapter: GPUAdapter): Promise<AdapterInfoFields> {
  // Chromium has `info`; @webgpu/types 0.1.38 still describes only requestAdapterInfo().
  const withInfo = adapter as GPUAdapter & { info?: AdapterInfoFields }
  return withInfo.info ?? (await adapter.requestAdapterInfo())
}

function describe(adapter: GPUAdapter, info: AdapterInfoFields): WebGpuAdapterInfo {
  const limits = Object.fromEntries(KEY_LIMITS.map((k) => [k, adapter.limits[k]])) as WebGpuAdapterInfo['limits']
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    software: isSoftwareAdapter(info, adapter.isFallbackAdapter),
    api: 'chromium',
    featureLevel: 'core',
    limits,
  }
}

function watch(device: GPUDevice): Promise<never> {
  const faulted = new Promise<never>((_, reject) => {
    void device.lost.then((lost) => {
      reject(
        new GpuFault('device-lost', `the GPU device was lost (${lost.reason || 'unknown'}): ${lost.message || 'no message'}`),
      )
    })
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error
      reject(
        error instanceof GPUOutOfMemoryError
          ? new GpuFault('out-of-memory', `the GPU ran out of memory: ${error.message}`)
          : new GpuFault('gpu-error', `the GPU reported an error (${error.constructor.name}): ${error.message}`),
      )
    })
  })
  // A job that never reads while the device is healthy must not see an unhandled rejection.
  faulted.catch(() => {})
  return faulted
}

/** Requests an adapter and a device and makes them tfjs' active backend. */
export async function startGpuDevice(allowSoftwareAdapter: boolean): Promise<GpuDevice> {
  if (!('gpu' in navigator)) {
    throw new GpuFault('no-adapter', 'this browser has no WebGPU (navigator.gpu is missing; is the page a secure context?)')
  }
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' })
  if (!adapter) throw new GpuFault('no-adapter', 'navigator.gpu.requestAdapter() gave no adapter (WebGPU disabled or no driver)')
  const raw = await adapterInfo(adapter)
  const info = describe(adapter, raw)
  if (info.software && !allowSoftwareAdapter) {
    const name = [info.vendor, info.architecture, info.description].filter(Boolean).join(' ')
    throw new GpuFault('no-adapter', `the only adapter is a software one (${name}): it would compute on the CPU`)
  }
  const requiredFeatures = (['timestamp-query'] as const).filter((f) => adapter.features.has(f))
  // The limits tfjs' programs are bounded by, raised to what the adapter allows.
  const requiredLimits = Object.fromEntries(KEY_LIMITS.map((k) => [k, adapter.limits[k]]))
  const device = await adapter.requestDevice({ requiredFeatures, requiredLimits })
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu')
  const backend = new WebGPUBackend(device, raw as GPUAdapterInfo)
  tf.registerBackend('webgpu', () => backend, 3)
  if (!(await tf.setBackend('webgpu'))) throw new GpuFault('failed', 'tfjs could not start its webgpu backend')
  return { adapter: info, faulted: watch(device) }
}

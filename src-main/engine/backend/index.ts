// Engine backend selection: tensorflow-gpu → webgpu → tensorflow → wasm → cpu, or the one a setting forces.
// Every choice is verified with tf.getBackend(), so a run record never names a backend it did not use.
import { ContractError } from '@shared/contract'
import type { BackendName } from '@shared/domain/config'
import type { BackendProbe } from '@shared/domain/system'
import * as tf from '../tf'
import { cpuCount, cpuModel, gpuName } from './detect-hardware'
import type { LibTensorflowInfo, WebGpuAdapterInfo, WebGpuReport } from '@shared/domain/system'
import {
  BACKEND_ORDER,
  NATIVE_PACKAGES,
  TFJS_BACKEND_NAME,
  loadNative,
  loadedTensorflowVersion,
  oneLine,
  probeBackends as probeInstalled,
  type NativeBackendName,
} from './detect'
import { nativeThreads } from './native-env'
import { setActiveFaultWatch } from './read'
import { libTensorflowInfo } from './native-library'
import { adapterLabel } from './webgpu/adapter'

export { cpuCount, cpuModel, gpuName } from './detect-hardware'
export { setNativeEnvironment } from './native-env'
export { GpuFaultError } from './read'
export { webGpuReport } from './webgpu/report'

export interface BackendStatus {
  name: BackendName
  /** Threads the backend computes with (wasm: its thread pool; native: TensorFlow's intra-op pool). */
  threads: number
  simd: boolean
  /** GPU name for tensorflow-gpu, the adapter for webgpu, the CPU model otherwise. */
  device: string | null
  /** The WebGPU adapter (webgpu only). */
  adapter?: WebGpuAdapterInfo
  /** True when a setting or --backend chose it rather than the automatic order. */
  forced: boolean
}

/** The status of a run that computes on a lent GPU engine (the desktop app's WebGPU window, see ./gpu-host). */
export function gpuEngineBackend(adapter: WebGpuAdapterInfo, forced: boolean): BackendStatus {
  return { name: 'webgpu', threads: 1, simd: false, device: adapterLabel(adapter), adapter, forced }
}

export interface InitOptions {
  /** Wasm thread-pool size; null = as many as the machine allows. */
  threads?: number | null
  /** Backends the automatic order skips (a caller that reads tensors synchronously skips webgpu). */
  exclude?: readonly BackendName[]
}

/** Why a backend failed to initialise in this process (beyond what probing finds). */
const initFailures = new Map<BackendName, string>()
let current: { key: string; status: BackendStatus } | null = null
let pending: { key: string; promise: Promise<BackendStatus> } | null = null

/** The tfjs-core version every backend runs on. */
export function tfjsVersion(): string {
  return tf.version_core
}

async function switchTo(name: BackendName): Promise<void> {
  const expected = TFJS_BACKEND_NAME[name]
  let ok: boolean
  try {
    ok = await tf.setBackend(expected)
    await tf.ready()
  } catch (error) {
    throw new Error(`tfjs could not initialise "${expected}": ${oneLine(error)}`, { cause: error })
  }
  const actual = tf.getBackend()
  if (!ok || actual !== expected) {
    // The usual cause for "tensorflow": tfjs-node registered on a second, non-deduped tfjs-core copy.
    throw new Error(`tfjs reports backend "${actual}" after selecting "${expected}"`)
  }
}

/** tfjs-node's backend says whether its TFE context found a GPU device. */
function usesGpuDevice(backend: unknown): boolean {
  return typeof backend === 'object' && backend !== null && (backend as { isUsingGpuDevice?: unknown }).isUsingGpuDevice === true
}

async function activate(name: BackendName, options: InitOptions, forced: boolean): Promise<BackendStatus> {
  switch (name) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const reason = await loadNative(name)
      if (reason) throw new Error(reason)
      await switchTo(name)
      // TensorFlow registers no GPU device (and computes on the CPU) when a CUDA library fails to load;
      // that would be a silent fallback, so the GPU backend refuses it.
      if (name === 'tensorflow-gpu' && !usesGpuDevice(tf.backend())) {
        throw new Error('TensorFlow registered no GPU device (a CUDA/cuDNN library failed to load, or the driver is too old)')
      }
      const device = name === 'tensorflow-gpu' ? await gpuName() : cpuModel()
      // libtensorflow's prebuilt binaries use AVX; its intra-op pool defaults to one thread per core.
      return { name, threads: nativeThreads(cpuCount()), simd: true, device, forced }
    }
    case 'webgpu': {
      const { setupWebGpu } = await import('./webgpu/setup')
      const session = await setupWebGpu()
      const fault = session.fault()
      if (fault) throw new Error(fault)
      await switchTo('webgpu')
      setActiveFaultWatch(session)
      return { name, threads: 1, simd: false, device: adapterLabel(session.info), adapter: session.info, forced }
    }
    case 'wasm': {
      // Imported lazily: registering the wasm backend costs nothing until it is selected.
      const { setupWasm } = await import('./wasm/setup')
      const { registerWasmTrainingKernels } = await import('./wasm/kernels')
      const setup = await setupWasm({ threads: options.threads ?? null })
      registerWasmTrainingKernels()
      await switchTo('wasm')
      // The SIMD training kernels must load into this backend's memory now, not at a run's first step.
      const { NativeBackend } = await import('./wasm/native/module')
      new NativeBackend(tf.backend(), 'wasm training kernels')
      return { name, threads: Math.max(1, setup.threads), simd: setup.simd, device: cpuModel(), forced }
    }
    case 'cpu':
      await switchTo('cpu')
      return { name, threads: 1, simd: false, device: cpuModel(), forced }
  }
}

async function initUncached(preferred: BackendName | null, options: InitOptions): Promise<BackendStatus> {
  setActiveFaultWatch(null)
  if (preferred) {
    try {
      const status = await activate(preferred, options, true)
      initFailures.delete(preferred)
      return status
    } catch (error) {
      initFailures.set(preferred, oneLine(error))
      throw new ContractError('unavailable', `backend "${preferred}" was forced but cannot be used: ${oneLine(error)}`)
    }
  }
  for (const name of BACKEND_ORDER) {
    if (options.exclude?.includes(name)) continue
    try {
      const status = await activate(name, options, false)
      initFailures.delete(name)
      return status
    } catch (error) {
      initFailures.set(name, oneLine(error))
    }
  }
  // Unreachable in practice: the cpu backend is always registered by ../tf.
  throw new ContractError('unavailable', 'no TensorFlow.js backend could be initialised')
}

/**
 * Chooses and activates the engine backend. `preferred` forces one (and fails clearly when it cannot
 * be used); null tries the fastest first. Idempotent for the same arguments; concurrent callers share
 * one initialisation.
 */
export async function initBackend(preferred: BackendName | null, opts: InitOptions = {}): Promise<BackendStatus> {
  const key = `${preferred ?? 'auto'}|${opts.threads ?? 'auto'}|${opts.exclude?.join(',') ?? ''}`
  if (current?.key === key && tf.getBackend() === TFJS_BACKEND_NAME[current.status.name]) return current.status
  if (pending?.key === key) return pending.promise
  const promise = initUncached(preferred, opts).then((status) => {
    current = { key, status }
    return status
  })
  pending = { key, promise }
  try {
    return await promise
  } finally {
    if (pending?.promise === promise) pending = null
  }
}

/**
 * Every backend with whether it can be used and, if not, why (one line). Includes failures seen while
 * initialising (say wasm binaries missing), not just missing packages.
 */
export async function probeBackends(known: { webgpu?: WebGpuReport } = {}): Promise<BackendProbe[]> {
  const probes = await probeInstalled(known)
  return probes.map((probe) => {
    const failure = initFailures.get(probe.name)
    return failure && probe.available ? { name: probe.name, available: false, reason: failure } : probe
  })
}

/**
 * The libtensorflow behind the native backend in use, or (when another backend runs) behind the
 * first native package that loaded; null when none is installed.
 */
export async function nativeLibrary(): Promise<LibTensorflowInfo | null> {
  const active = current?.status.name
  const order: NativeBackendName[] =
    active === 'tensorflow' || active === 'tensorflow-gpu' ? [active] : ['tensorflow-gpu', 'tensorflow']
  let installed: LibTensorflowInfo | null = null
  for (const name of order) {
    const version = await loadedTensorflowVersion(name)
    const info = libTensorflowInfo(NATIVE_PACKAGES[name], version)
    if (info && version) return info
    installed ??= info
  }
  return installed
}

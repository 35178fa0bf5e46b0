// The WebGPU adapter the engine computes on, from Dawn's Node bindings (the `webgpu` package): a
// hardware adapter (Vulkan, Metal, Direct3D 12) unless WORKBENCH_WEBGPU_ADAPTER=software allows a
// software one (Mesa's llvmpipe through Dawn's OpenGL ES backend), which is only for correctness checks.
import { existsSync, readdirSync } from 'node:fs'
import type { WebGpuAdapterInfo } from '@shared/domain/system'
import type { DawnAdapter, DawnGpu, DawnModule } from './dawn-types'
import { KEY_LIMITS } from './limits'
import { isSoftwareAdapter } from './software'

export { isSoftwareAdapter }

/** The setting that lets the engine use a software adapter. */
export const WEBGPU_ADAPTER_ENV = 'WORKBENCH_WEBGPU_ADAPTER'

/** One way of asking Dawn for an adapter. */
interface Attempt {
  api: string
  dawnOptions: string[]
  featureLevel: 'core' | 'compatibility'
}

const NATIVE_ATTEMPTS: Attempt[] = [
  { api: 'default', dawnOptions: [], featureLevel: 'core' },
  { api: 'default', dawnOptions: [], featureLevel: 'compatibility' },
]
// Dawn rejects Debian's lavapipe (it lacks a Vulkan feature Dawn requires); llvmpipe's OpenGL ES 3.2
// through EGL works in compatibility mode. A hardware OpenGL ES driver is a usable adapter too.
const GLES_ATTEMPT: Attempt = { api: 'opengles', dawnOptions: ['backend=opengles'], featureLevel: 'compatibility' }
const HARDWARE_ATTEMPTS: Attempt[] = [...NATIVE_ATTEMPTS, GLES_ATTEMPT]
const SOFTWARE_ATTEMPTS: Attempt[] = [GLES_ATTEMPT, ...NATIVE_ATTEMPTS]

export interface AcquiredAdapter {
  adapter: DawnAdapter
  info: WebGpuAdapterInfo
}

/** Whether the user allows a software adapter (correctness checks without a GPU). */
export function softwareAdapterAllowed(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[WEBGPU_ADAPTER_ENV]?.trim().toLowerCase() === 'software'
}

/**
 * Without a display, Mesa's EGL must not look for X11 or Wayland: it reads EGL_PLATFORM when Dawn opens
 * EGL. A worker thread's process.env is a copy native code never sees, so the thread starting the
 * training worker calls this too (see ../native-env).
 */
export function setEglPlatform(env: NodeJS.ProcessEnv): void {
  if (!env.DISPLAY && !env.WAYLAND_DISPLAY) env.EGL_PLATFORM ??= 'surfaceless'
}

/**
 * Linux only: the device nodes a hardware adapter needs (Mesa's DRM render nodes for Intel and AMD,
 * NVIDIA's own). Without one there is no hardware adapter to find, and Dawn is not loaded at all:
 * probing its Vulkan and OpenGL backends on a headless server would print native warnings to stderr.
 */
function linuxGpuNodes(): string[] {
  const nodes: string[] = []
  try {
    nodes.push(...readdirSync('/dev/dri').filter((n) => n.startsWith('renderD')))
  } catch {
    // no /dev/dri
  }
  if (existsSync('/dev/nvidia0')) nodes.push('nvidia0')
  return nodes
}

let dawn: Promise<DawnModule> | null = null
/**
 * One Dawn instance per set of options, kept for the life of the process: dawn.node polls an instance's
 * events from a scheduled callback, and an instance collected while that is pending aborts the process.
 */
const instances = new Map<string, DawnGpu>()

function instance(module: DawnModule, options: string[]): DawnGpu {
  const key = options.join('\n')
  let gpu = instances.get(key)
  if (!gpu) {
    gpu = module.create(options)
    instances.set(key, gpu)
  }
  return gpu
}

/** Loads dawn.node once and installs the WebGPU globals (GPUBufferUsage, …) tfjs' backend reads. */
export function loadDawn(): Promise<DawnModule> {
  dawn ??= (async () => {
    if (process.versions.electron) {
      // Dawn maps GPU buffers as external ArrayBuffers, which Electron's V8 memory cage refuses.
      throw new Error("Dawn's Node bindings cannot run inside Electron (external buffers); use the CLI or browser mode")
    }
    setEglPlatform(process.env)
    let module: DawnModule
    try {
      module = (await import(/* @vite-ignore */ 'webgpu')) as DawnModule
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error)
      throw new Error(`the webgpu package (Dawn's Node bindings) could not be loaded: ${text.split('\n')[0]}`, { cause: error })
    }
    for (const [name, value] of Object.entries(module.globals)) {
      if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true })
    }
    return module
  })()
  return dawn
}

function describe(adapter: DawnAdapter, attempt: Attempt): WebGpuAdapterInfo {
  const { info } = adapter
  const limits: Record<string, number> = {}
  for (const key of KEY_LIMITS) limits[key] = Number(adapter.limits[key] ?? 0)
  const base = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  }
  const fallback = info.isFallbackAdapter === true || adapter.isFallbackAdapter === true
  return {
    ...base,
    software: isSoftwareAdapter(base, fallback),
    api: attempt.api,
    featureLevel: attempt.featureLevel,
    limits: limits as WebGpuAdapterInfo['limits'],
  }
}

/** A short name for the adapter: its description, else vendor and device. */
export function adapterLabel(info: WebGpuAdapterInfo): string {
  const name = [info.vendor, info.architecture, info.device].filter((s) => s.length > 0).join(' ')
  const label = info.description.length > 0 ? `${info.description}${name ? ` (${name})` : ''}` : name || 'unnamed adapter'
  return info.software ? `${label}, software` : label
}

/**
 * The best adapter this machine offers the engine, or throws why there is none. A software adapter is
 * refused (with its name) unless WORKBENCH_WEBGPU_ADAPTER=software: it would run every kernel on the CPU,
 * slower than the wasm backend, while the run record said "GPU".
 */
export async function acquireAdapter(): Promise<AcquiredAdapter> {
  const allowSoftware = softwareAdapterAllowed()
  if (!allowSoftware && process.platform === 'linux' && linuxGpuNodes().length === 0) {
    throw new Error(
      `no GPU device node (/dev/dri/renderD*, /dev/nvidia0), so no hardware adapter; ${WEBGPU_ADAPTER_ENV}=software allows a software one`,
    )
  }
  const module = await loadDawn()
  const attempts = allowSoftware ? SOFTWARE_ATTEMPTS : HARDWARE_ATTEMPTS
  let softwareSeen: WebGpuAdapterInfo | null = null
  const failures: string[] = []
  for (const attempt of attempts) {
    let adapter: DawnAdapter | null
    try {
      const gpu = instance(module, attempt.dawnOptions)
      adapter = await gpu.requestAdapter({ powerPreference: 'high-performance', featureLevel: attempt.featureLevel })
    } catch (error) {
      failures.push(`${attempt.api}/${attempt.featureLevel}: ${error instanceof Error ? error.message : String(error)}`)
      continue
    }
    if (!adapter) continue
    const info = describe(adapter, attempt)
    if (!info.software || allowSoftware) return { adapter, info }
    softwareSeen ??= info
  }
  if (softwareSeen) {
    throw new Error(
      `only a software adapter is available (${adapterLabel(softwareSeen)}); set ${WEBGPU_ADAPTER_ENV}=software to use it anyway`,
    )
  }
  const tried = "Dawn's Vulkan, Metal, Direct3D 12 or OpenGL ES backend"
  const why = failures.length > 0 ? `: ${failures[0]!.split('\n')[0]}` : ''
  throw new Error(`no WebGPU adapter from ${tried}${why}`)
}

/** Every limit the adapter offers, so tfjs' large-buffer programs are not held to the default limits. */
export function requiredLimits(adapter: DawnAdapter): Record<string, number> {
  const limits: Record<string, number> = {}
  // GPUSupportedLimits exposes its values as getters on the prototype, not as own properties.
  for (const key in adapter.limits) {
    const value = adapter.limits[key]
    if (typeof value === 'number') limits[key] = value
  }
  return limits
}

import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { BackendName } from '@shared/domain/config'
import type { BackendProbe, WebGpuReport } from '@shared/domain/system'
import { gpuName, wasmApi } from './detect-hardware'
import { webGpuReport } from './webgpu/report'
import { registerNativeTrainingKernels } from './native-kernels'
import { withQuietStderr } from './stderr-guard'
import {
  CUDA_DRIVER_LIBRARY,
  MIN_COMPUTE_CAPABILITY,
  bindingPath,
  gpuComputeCapability,
  hasCudaDriverLibrary,
  missingCudaLibraries,
  packageDir,
} from './native-library'

/** npm package that provides each native backend (both register the tfjs backend "tensorflow"). */
export const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const satisfies Partial<Record<BackendName, string>>

export type NativeBackendName = keyof typeof NATIVE_PACKAGES

/** The name tfjs registers for each of our backends; what `tf.getBackend()` must say once it is set. */
export const TFJS_BACKEND_NAME: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  webgpu: 'webgpu',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
}

/** The order tried when nothing is forced: fastest first (webgpu only on a hardware adapter). */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu']

// Not named `require`: electron-vite's ESM shim declares a module-level `require` in whichever chunk
// this lands in, and two top-level declarations of one name make the bundled worker fail to load.
const resolveFromHere = createRequire(import.meta.url)

/** First line of an error, trimmed, so a skip reason stays one line. */
export function oneLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error)
  const first =
    text
      .split('\n')
      .map((line) => line.trim())
      .find((line) => line.length > 0) ?? 'unknown error'
  return first.length > 200 ? `${first.slice(0, 197)}…` : first
}

/** The command that builds a native backend here when tfjs-node's own install could not. */
export function nativeInstallCommand(name: NativeBackendName): string {
  return name === 'tensorflow-gpu' ? 'npm run native:install -- --gpu' : 'npm run native:install'
}

/** Why the GPU build cannot run here (each missing piece named), or null when everything is present. */
async function gpuBlocker(name: NativeBackendName, dir: string): Promise<string | null> {
  if ((await gpuName()) === null) return 'no NVIDIA GPU found (nvidia-smi is missing or lists no GPU)'
  if (!(await hasCudaDriverLibrary()))
    return `the NVIDIA driver's ${CUDA_DRIVER_LIBRARY} is not on the loader path (install the NVIDIA driver)`
  const capability = await gpuComputeCapability()
  if (capability !== null && Number(capability) < MIN_COMPUTE_CAPABILITY) {
    return `the GPU's compute capability ${capability} is below ${MIN_COMPUTE_CAPABILITY}, the oldest TensorFlow 2.21 supports`
  }
  const missing = await missingCudaLibraries(dir)
  if (missing.length > 0)
    return `CUDA 12 / cuDNN 9 libraries missing: ${missing.join(', ')} (${nativeInstallCommand(name)} stages them)`
  return null
}

const nativeLoads = new Map<NativeBackendName, Promise<string | null>>()

/**
 * Loads a native package once (importing it registers the "tensorflow" backend on the shared
 * tfjs-core) and returns why it cannot be used, or null when it loaded. A missing optional dependency
 * is the common case here and is reported as such, not as a crash.
 */
export function loadNative(name: NativeBackendName): Promise<string | null> {
  let pending = nativeLoads.get(name)
  if (!pending) {
    pending = (async () => {
      const pkg = NATIVE_PACKAGES[name]
      const dir = packageDir(pkg)
      if (!dir) {
        return `${pkg} is not installed (optional dependency; it installs only where libtensorflow can be downloaded, or run ${nativeInstallCommand(name)})`
      }
      const binding = bindingPath(dir)
      if (!binding || !existsSync(binding)) {
        return `${pkg} is installed but its binding is not built (libtensorflow could not be downloaded); run ${nativeInstallCommand(name)}`
      }
      if (name === 'tensorflow-gpu') {
        const blocker = await gpuBlocker(name, dir)
        if (blocker) return blocker
      }
      // TensorFlow's C++ logging (oneDNN and CPU-feature notices) would go to stderr on every start.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'
      try {
        await withQuietStderr(dir, () => import(/* @vite-ignore */ pkg))
        registerNativeTrainingKernels()
        return null
      } catch (error) {
        return `${pkg} failed to load: ${oneLine(error)}`
      }
    })()
    nativeLoads.set(name, pending)
  }
  return pending
}

/** TF_Version() of the libtensorflow a loaded native package links, or null when it did not load. */
export async function loadedTensorflowVersion(name: NativeBackendName): Promise<string | null> {
  if ((await loadNative(name)) !== null) return null
  const dir = packageDir(NATIVE_PACKAGES[name])
  const binding = dir ? bindingPath(dir) : null
  if (!binding) return null
  // The same file tfjs-node required: Node's module cache hands back that instance, nothing loads twice.
  const loaded: unknown = resolveFromHere(binding)
  const version = typeof loaded === 'object' && loaded !== null ? (loaded as { TF_Version?: unknown }).TF_Version : undefined
  return typeof version === 'string' ? version : null
}

/** Whether each backend could be used, without switching to it (native packages are loaded, though). */
export async function probeBackends(known: { webgpu?: WebGpuReport } = {}): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = []
  for (const name of BACKEND_ORDER) {
    let reason: string | null = null
    if (name === 'tensorflow-gpu' || name === 'tensorflow') reason = await loadNative(name)
    // `known.webgpu`: what webgpu means in this process (a lent GPU engine's adapter), not Dawn here.
    else if (name === 'webgpu') reason = (known.webgpu ?? (await webGpuReport())).reason
    else if (name === 'wasm') reason = wasmApi() ? null : 'WebAssembly is not available in this runtime'
    probes.push({ name, available: reason === null, reason })
  }
  return probes
}

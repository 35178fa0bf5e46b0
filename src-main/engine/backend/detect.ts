import { createRequire } from 'node:module'
import type { BackendName } from '@shared/domain/config'
import type { BackendProbe } from '@shared/domain/system'
import { gpuName, wasmApi } from './detect-hardware'

/** npm package that provides each native backend (both register the tfjs backend "tensorflow"). */
export const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const satisfies Partial<Record<BackendName, string>>

export type NativeBackendName = keyof typeof NATIVE_PACKAGES

/** The name tfjs registers for each of our backends; what `tf.getBackend()` must say once it is set. */
export const TFJS_BACKEND_NAME: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
}

/** The order tried when nothing is forced: fastest first. */
export const BACKEND_ORDER: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']

const require = createRequire(import.meta.url)

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

function isInstalled(pkg: string): boolean {
  try {
    require.resolve(`${pkg}/package.json`)
    return true
  } catch {
    return false
  }
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
      if (!isInstalled(pkg)) {
        return `${pkg} is not installed (optional dependency; it installs only where libtensorflow can be downloaded)`
      }
      if (name === 'tensorflow-gpu' && (await gpuName()) === null) {
        return 'no NVIDIA GPU found (nvidia-smi is missing or lists no GPU)'
      }
      try {
        await import(/* @vite-ignore */ pkg)
        return null
      } catch (error) {
        return `${pkg} failed to load: ${oneLine(error)}`
      }
    })()
    nativeLoads.set(name, pending)
  }
  return pending
}

/** Whether each backend could be used, without switching to it (native packages are loaded, though). */
export async function probeBackends(): Promise<BackendProbe[]> {
  const probes: BackendProbe[] = []
  for (const name of BACKEND_ORDER) {
    let reason: string | null = null
    if (name === 'tensorflow-gpu' || name === 'tensorflow') reason = await loadNative(name)
    else if (name === 'wasm') reason = wasmApi() ? null : 'WebAssembly is not available in this runtime'
    probes.push({ name, available: reason === null, reason })
  }
  return probes
}

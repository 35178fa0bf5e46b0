import { execFile } from 'node:child_process'
import { cpus } from 'node:os'

/** The CPU model as the OS reports it (first core), or "unknown CPU". */
export function cpuModel(): string {
  const model = cpus()[0]?.model?.trim()
  return model && model.length > 0 ? model : 'unknown CPU'
}

export function cpuCount(): number {
  return Math.max(1, cpus().length)
}

let gpuNamePromise: Promise<string | null> | null = null

/**
 * The first NVIDIA GPU's name via `nvidia-smi`, or null when there is no driver/tool (the usual case
 * on laptops and CI). Cached: the answer does not change while the process lives.
 */
export function gpuName(): Promise<string | null> {
  gpuNamePromise ??= new Promise((resolve) => {
    execFile(
      'nvidia-smi',
      ['--query-gpu=name', '--format=csv,noheader'],
      { timeout: 5000, windowsHide: true },
      (error, stdout) => {
        if (error) return resolve(null)
        const first = stdout
          .split('\n')
          .map((line) => line.trim())
          .find((line) => line.length > 0)
        resolve(first ?? null)
      },
    )
  })
  return gpuNamePromise
}

/** The runtime's WebAssembly object (typed locally: the Node lib typings declare only its types). */
export function wasmApi(): { validate(bytes: Uint8Array): boolean } | undefined {
  return (globalThis as { WebAssembly?: { validate(bytes: Uint8Array): boolean } }).WebAssembly
}

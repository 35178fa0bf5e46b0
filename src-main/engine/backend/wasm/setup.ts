import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm'

export interface WasmSetup {
  threads: number
  simd: boolean
}

/** Points the wasm backend at its binaries in node_modules (there is no fetch from a CDN offline). */
export async function setupWasm(options: { threads?: number | null } = {}): Promise<WasmSetup> {
  const require = createRequire(import.meta.url)
  const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/'
  setWasmPaths(dist)
  void options
  return { threads: 1, simd: true }
}

import { createRequire } from 'node:module'
import type Database from 'better-sqlite3'
import type { BackendName } from '@shared/domain/config'
import type { DoctorReport, WebGpuReport } from '@shared/domain/system'
import type { Shell } from '../core/handlers'
import { sqliteNativeBinding } from '../core/native'
import {
  cpuCount,
  cpuModel,
  gpuName,
  initBackend,
  nativeLibrary,
  probeBackends,
  tfjsVersion,
  webGpuReport,
  type BackendStatus,
} from '../engine/backend'
import { backendWithGpuEngine, type GpuHost } from '../engine/backend/gpu-host'
import { APP_VERSION } from './app-version'

let sqliteVersionCache: string | null | undefined

/** SQLite's version through the same better-sqlite3 build the store uses, or null if it cannot load. */
export function sqliteVersion(): string | null {
  if (sqliteVersionCache !== undefined) return sqliteVersionCache
  try {
    const require = createRequire(import.meta.url)
    const Sqlite = require('better-sqlite3') as typeof Database
    const db = new Sqlite(':memory:', { nativeBinding: sqliteNativeBinding() })
    try {
      const row = db.prepare('select sqlite_version() as version').get() as { version: string }
      sqliteVersionCache = row.version
    } finally {
      db.close()
    }
  } catch {
    sqliteVersionCache = null
  }
  return sqliteVersionCache
}

export interface DoctorInput {
  dataDir: string
  shell: Shell
  /** The backend to force (flag or setting), or null for the automatic order. */
  backend: BackendName | null
  threads: number | null
  electronVersion: string | null
  /** The GPU engine runs borrow in this process (the desktop app's WebGPU window), if any. */
  gpuHost?: GpuHost
}

/** Picks the backend exactly as a run would and reports the machine around it. */
export async function buildDoctorReport(input: DoctorInput): Promise<{ report: DoctorReport; status: BackendStatus }> {
  const { status, engine } = await chooseBackend(input)
  // Where runs borrow a GPU engine, its adapter (or why it has none) is what webgpu means here.
  const probes = await probeBackends(engine ? { webgpu: engine } : {})
  const backends = probes.map((p) => (p.name === status.name ? { ...p, available: true, reason: null } : p))
  const report: DoctorReport = {
    appVersion: APP_VERSION,
    backend: status.name,
    forced: status.forced,
    backends,
    threads: status.threads,
    simd: status.simd,
    tfjsVersion: tfjsVersion(),
    libtensorflow: await nativeLibrary(),
    cpuModel: cpuModel(),
    cpuCount: cpuCount(),
    gpuName: await gpuName(),
    webgpu: status.adapter ? { adapter: status.adapter, reason: null } : (engine ?? (await webGpuReport())),
    platform: `${process.platform}-${process.arch}`,
    nodeVersion: process.versions.node,
    electronVersion: process.versions.electron ?? input.electronVersion,
    sqliteVersion: sqliteVersion(),
    dataDir: input.dataDir,
    shell: input.shell,
  }
  return { report, status }
}

/**
 * The backend a run would compute on (engine/backend/gpu-host.ts `backendWithGpuEngine`, as the
 * run's worker chooses), and what the GPU engine it could borrow has (its adapter, or why none).
 */
async function chooseBackend(input: DoctorInput): Promise<{ status: BackendStatus; engine: WebGpuReport | null }> {
  const { gpuHost, backend, threads } = input
  if (!gpuHost || (backend !== null && backend !== 'webgpu'))
    return { status: await initBackend(backend, { threads }), engine: null }
  const chosen = await backendWithGpuEngine(backend, threads, (allow) => gpuHost.connect(allow))
  // With a CUDA GPU first the engine was not asked; the report still names its adapter.
  const engine = chosen.engine
    ? { adapter: chosen.engine.adapter, reason: null }
    : chosen.reason !== null
      ? { adapter: null, reason: chosen.reason }
      : await gpuHost.connect(false).then(
          (link): WebGpuReport => ({ adapter: link.adapter, reason: null }),
          (error: unknown): WebGpuReport => ({ adapter: null, reason: error instanceof Error ? error.message : String(error) }),
        )
  return { status: chosen.status, engine }
}

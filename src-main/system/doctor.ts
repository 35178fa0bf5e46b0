import { createRequire } from 'node:module'
import type Database from 'better-sqlite3'
import type { BackendName } from '@shared/domain/config'
import type { DoctorReport } from '@shared/domain/system'
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
}

/** Picks the backend exactly as a run would and reports the machine around it. */
export async function buildDoctorReport(input: DoctorInput): Promise<{ report: DoctorReport; status: BackendStatus }> {
  const status = await initBackend(input.backend, { threads: input.threads })
  const probes = await probeBackends()
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
    webgpu: status.adapter ? { adapter: status.adapter, reason: null } : await webGpuReport(),
    platform: `${process.platform}-${process.arch}`,
    nodeVersion: process.versions.node,
    electronVersion: process.versions.electron ?? input.electronVersion,
    sqliteVersion: sqliteVersion(),
    dataDir: input.dataDir,
    shell: input.shell,
  }
  return { report, status }
}

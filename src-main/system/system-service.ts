import { ContractError } from '@shared/contract'
import { BackendName } from '@shared/domain/config'
import type { DoctorReport, Settings } from '@shared/domain/system'
import type { HandlerGroup, Shell } from '../core/handlers'
import { probeBackends } from '../engine/backend'
import type { GpuHost } from '../engine/backend/gpu-host'
import { buildDoctorReport } from './doctor'
import { SettingsStore } from './settings-store'

export interface SystemServiceOptions {
  dataDir: string
  shell: Shell
  /** A backend forced for this process (--backend); wins over the setting. */
  backend?: string | null
  electronVersion?: string | null
  /** The GPU engine runs borrow here (the desktop app's WebGPU window): what webgpu means in this process. */
  gpuHost?: GpuHost
}

/** Parses a backend name coming from outside (flag, env), with an error that names the choices. */
export function parseBackendName(value: string | null | undefined, what = '--backend'): BackendName | null {
  if (value === null || value === undefined || value === '') return null
  const parsed = BackendName.safeParse(value)
  if (!parsed.success) {
    throw new ContractError('invalid_input', `${what}: "${value}" is not a backend (choose ${BackendName.options.join(', ')})`)
  }
  return parsed.data
}

/** `system.*`: the doctor report and the persisted settings. */
export class SystemService {
  readonly settings: SettingsStore
  private readonly override: BackendName | null

  constructor(private readonly options: SystemServiceOptions) {
    this.override = parseBackendName(options.backend)
    this.settings = new SettingsStore(options.dataDir)
  }

  /**
   * What every run should initialise: the --backend override, else the setting, else automatic
   * (null), plus the wasm thread count. Training passes this to initBackend in its worker.
   */
  backendPreference(): { backend: BackendName | null; threads: number | null; forcedBy: 'flag' | 'setting' | null } {
    const settings = this.settings.get()
    if (this.override) return { backend: this.override, threads: settings.threads, forcedBy: 'flag' }
    return { backend: settings.backend, threads: settings.threads, forcedBy: settings.backend ? 'setting' : null }
  }

  async doctor(): Promise<DoctorReport> {
    const pref = this.backendPreference()
    const base = {
      dataDir: this.options.dataDir,
      shell: this.options.shell,
      threads: pref.threads,
      electronVersion: this.options.electronVersion ?? null,
      ...(this.options.gpuHost ? { gpuHost: this.options.gpuHost } : {}),
    }
    try {
      return (await buildDoctorReport({ ...base, backend: pref.backend })).report
    } catch (error) {
      // An explicit flag that cannot be honoured is an error; a stale setting (say, the native
      // package was uninstalled since) falls back to the automatic choice, and the report says why.
      if (pref.forcedBy !== 'setting') throw error
      return (await buildDoctorReport({ ...base, backend: null })).report
    }
  }

  async updateSettings(patch: Partial<Settings>): Promise<Settings> {
    // webgpu through a lent GPU engine is checked by the doctor report (its window's adapter), not Dawn here.
    if (patch.backend && !(patch.backend === 'webgpu' && this.options.gpuHost)) {
      // Not Dawn's webgpu here where a lent GPU engine is what webgpu means (its probe is not read either).
      const known = this.options.gpuHost ? { webgpu: { adapter: null, reason: 'asked of the GPU engine' } } : {}
      const probe = (await probeBackends(known)).find((p) => p.name === patch.backend)
      if (probe && !probe.available) {
        throw new ContractError(
          'unavailable',
          `backend "${patch.backend}" cannot be used here: ${probe.reason ?? 'unavailable'}`,
          [{ path: 'backend', message: probe.reason ?? 'unavailable' }],
        )
      }
    }
    return this.settings.update(patch)
  }

  handlers(): HandlerGroup<'system'> {
    return {
      'system.doctor': () => this.doctor(),
      'system.getSettings': () => this.settings.get(),
      'system.updateSettings': (patch) => this.updateSettings(patch),
    }
  }
}

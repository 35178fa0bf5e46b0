import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContractError } from '@shared/contract'
import { DoctorReport } from '@shared/domain/system'
import { createCore } from '../../../src-main/core/compose'
import type { Core } from '../../../src-main/core/core'
import { initBackend, probeBackends } from '../../../src-main/engine/backend'
import * as tf from '../../../src-main/engine/tf'
import { SettingsStore } from '../../../src-main/system'

const scratch = mkdtempSync(join(tmpdir(), 'cwb-system-'))
let core: Core

beforeAll(async () => {
  mkdirSync(join(scratch, 'core'))
  core = await createCore({ dataDir: join(scratch, 'core'), shell: 'cli' })
})
afterAll(async () => {
  await core?.close()
  rmSync(scratch, { recursive: true, force: true })
})

describe('engine backend', () => {
  it('chooses the fastest usable backend and tfjs really runs on it', async () => {
    const status = await initBackend(null)
    const probes = await probeBackends()
    const firstUsable = probes.find((p) => p.available)
    expect(status.name).toBe(firstUsable?.name)
    expect(tf.getBackend()).toBe(status.name.startsWith('tensorflow') ? 'tensorflow' : status.name)
    expect(status.forced).toBe(false)
    expect(Array.from(tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]))).dataSync())).toEqual([4, 6])
  })

  it('reports each missing native package as skipped with a one-line reason', async () => {
    const probes = await probeBackends()
    expect(probes.map((p) => p.name)).toEqual(['tensorflow-gpu', 'webgpu', 'tensorflow', 'wasm', 'cpu'])
    for (const probe of probes.filter((p) => !p.available)) {
      expect(probe.reason).toBeTruthy()
      expect(probe.reason).not.toContain('\n')
    }
    expect(probes.find((p) => p.name === 'cpu')?.available).toBe(true)
  })

  it('honours a forced backend and fails clearly when the forced one cannot load', async () => {
    const cpu = await initBackend('cpu')
    expect(cpu).toMatchObject({ name: 'cpu', forced: true })
    expect(tf.getBackend()).toBe('cpu')
    const unusable = (await probeBackends()).find((p) => !p.available)
    if (unusable) {
      const error = await initBackend(unusable.name).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ContractError)
      expect((error as ContractError).code).toBe('unavailable')
      expect((error as ContractError).message).toContain(unusable.name)
    }
    await initBackend(null)
  })
})

describe('system.* through the core', () => {
  it('system.doctor returns a valid report naming the backend in use and the data dir', async () => {
    const report = await core.call('system.doctor', {})
    expect(DoctorReport.safeParse(report).success).toBe(true)
    expect(report.backends.find((b) => b.name === report.backend)?.available).toBe(true)
    expect(report.dataDir).toBe(join(scratch, 'core'))
    expect(report.shell).toBe('cli')
    expect(report.tfjsVersion).toMatch(/^4\./)
    expect(report.sqliteVersion).toMatch(/^3\./)
  })

  it('persists settings as JSON in the data dir and validates updates', async () => {
    expect(await core.call('system.getSettings', {})).toEqual({
      backend: null,
      threads: null,
      locale: null,
      theme: 'system',
      cacheMemoryMb: 512,
    })
    const updated = await core.call('system.updateSettings', { theme: 'dark', threads: 2 })
    expect(updated).toMatchObject({ theme: 'dark', threads: 2 })
    const onDisk: unknown = JSON.parse(readFileSync(join(scratch, 'core', 'settings.json'), 'utf8'))
    expect(onDisk).toMatchObject({ theme: 'dark', threads: 2 })
    const bad = await core.invoke('system.updateSettings', { threads: 0 })
    expect(!bad.ok && bad.error.code).toBe('invalid_input')
    expect(!bad.ok && bad.error.issues?.[0]?.path).toBe('threads')
  })

  it('refuses a backend setting that cannot be used here, saying why', async () => {
    const unusable = (await probeBackends()).find((p) => !p.available)
    if (!unusable) return // every backend works on this machine
    const result = await core.invoke('system.updateSettings', { backend: unusable.name })
    expect(!result.ok && result.error.code).toBe('unavailable')
    expect(!result.ok && result.error.message).toContain(unusable.reason ?? '')
    expect((await core.call('system.getSettings', {})).backend).toBeNull()
  })

  it('forces the doctor backend from the setting', async () => {
    await core.call('system.updateSettings', { backend: 'cpu' })
    const report = await core.call('system.doctor', {})
    expect(report).toMatchObject({ backend: 'cpu', forced: true })
    await core.call('system.updateSettings', { backend: null })
    expect((await core.call('system.doctor', {})).forced).toBe(false)
  })

  it('rejects an unknown --backend when the core is created', async () => {
    mkdirSync(join(scratch, 'bad'))
    await expect(createCore({ dataDir: join(scratch, 'bad'), shell: 'cli', backend: 'quantum' })).rejects.toThrow(
      /quantum.*choose tensorflow-gpu, webgpu, tensorflow, wasm, cpu/,
    )
  })
})

describe('settings file', () => {
  it('survives a damaged file: defaults are used and the original is backed up before overwrite', () => {
    const dir = mkdtempSync(join(scratch, 'damaged-'))
    writeFileSync(join(dir, 'settings.json'), '{ "theme": "dark", ')
    const store = new SettingsStore(dir)
    expect(store.get().theme).toBe('system')
    expect(store.problem).toMatch(/settings\.json is not valid JSON/)
    store.update({ locale: 'es' })
    const backups = readdirSync(dir).filter((f) => f.startsWith('settings.json.invalid-'))
    expect(backups).toHaveLength(1)
    expect(readFileSync(join(dir, backups[0]!), 'utf8')).toBe('{ "theme": "dark", ')
    expect((JSON.parse(readFileSync(join(dir, 'settings.json'), 'utf8')) as { locale?: string }).locale).toBe('es')
  })

  it('names the bad field of a schema-invalid file', () => {
    const dir = mkdtempSync(join(scratch, 'invalid-'))
    writeFileSync(join(dir, 'settings.json'), JSON.stringify({ theme: 'neon', threads: 4 }))
    const store = new SettingsStore(dir)
    expect(store.problem).toMatch(/theme/)
    expect(existsSync(join(dir, 'settings.json'))).toBe(true)
  })
})

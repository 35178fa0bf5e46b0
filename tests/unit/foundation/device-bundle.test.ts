// The device bundle (scripts/device-bundle.mjs) is self-contained: packed into a fresh folder, its one
// JS file runs from an empty directory with no node_modules anywhere above it, finds the wasm files
// and Dawn beside itself, and measures a workload on webgpu (here the software adapter) and on wasm,
// from the same weights (equal first-step losses), in a smoke run labelled as giving no speed figures.
// Over the carry limit (lowered for the check) it exits 1 naming both sizes and removes its output.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { WASM_DIR_ENV, wasmPackageDir } from '../../../src-main/engine/backend/wasm/setup'
import { runWebGpuTests, webGpuSkipReason } from '../support/webgpu'

const root = resolve(import.meta.dirname, '../../..')

interface Row {
  workload: string
  backend: string
  result: { imagesPerSecond: number; steps: number; loss: number; figure: boolean } | null
  error: string | null
}

interface KernelResult {
  figures: boolean
  note: string | null
  timings: Array<{ layer: string; forwardMs: number; backpropInputMs: number; backpropFilterMs: number }>
}

/** A folder under the system temp dir, checked to have no node_modules between it and /. */
function emptyDirOutsideRepo(): string {
  const dir = mkdtempSync(join(tmpdir(), 'device-bundle-'))
  for (let d = dir; d !== dirname(d); d = dirname(d)) {
    if (existsSync(join(d, 'node_modules')))
      throw new Error(`${d} has a node_modules: the run would not prove the bundle self-contained`)
  }
  return dir
}

describe('wasm file location', () => {
  it('is the installed package unless the bundle names its own folder', () => {
    expect(wasmPackageDir({})).toBe(realpathSync(join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm')))
    expect(existsSync(join(wasmPackageDir({}), 'dist', 'tfjs-backend-wasm-threaded-simd.wasm'))).toBe(true)
    expect(wasmPackageDir({ [WASM_DIR_ENV]: '/opt/bundle/tfjs-backend-wasm' })).toBe('/opt/bundle/tfjs-backend-wasm')
  })
})

describe.skipIf(!runWebGpuTests)('device bundle', () => {
  let work: string
  let bundle: string
  let packed: SpawnSyncReturns<string>
  beforeAll(() => {
    if (webGpuSkipReason) throw new Error(webGpuSkipReason)
    work = emptyDirOutsideRepo()
    bundle = join(work, 'bundle')
    // gzip: the test must not spend a minute on xz when the compressed binary is not cached yet.
    packed = spawnSync(process.execPath, ['scripts/device-bundle.mjs', `--out=${bundle}`, '--node-compression=gzip'], {
      cwd: root,
      encoding: 'utf8',
    })
  }, 120_000)
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('packs every piece with its size, within what a device call carries', (ctx) => {
    if (packed.status === 3 && !process.env.CI) {
      console.warn(`device bundle skipped: ${packed.stderr.trim()}`)
      ctx.skip()
    }
    expect(packed.status, packed.stderr).toBe(0)
    for (const piece of ['bench.mjs', 'dawn.node.gz', `node-${process.version}-linux-x64.gz`, 'manifest.json']) {
      expect(packed.stdout).toMatch(new RegExp(`MiB {2}${piece.replace(/\./g, '\\.')}\\n`))
      expect(existsSync(join(bundle, piece))).toBe(true)
    }
    expect(packed.stdout).toMatch(/MiB {2}total in /)
    const manifest = JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8')) as { node: string; platform: string }
    expect(manifest).toMatchObject({ node: process.version, platform: 'linux-x64' })
  })

  it('runs from an empty folder on both backends, labelled as no speed figures', (ctx) => {
    if (packed.status === 3 && !process.env.CI) ctx.skip()
    expect(packed.status, packed.stderr).toBe(0)
    // What bench/device/run.sh unpacks, laid out the same way.
    const app = join(work, 'app')
    mkdirSync(join(app, 'dist', 'linux-x64'), { recursive: true })
    cpSync(join(bundle, 'bench.mjs'), join(app, 'bench.mjs'))
    cpSync(join(bundle, 'tfjs-backend-wasm'), join(app, 'tfjs-backend-wasm'), { recursive: true })
    writeFileSync(join(app, 'dist', 'linux-x64', 'dawn.node'), gunzipSync(readFileSync(join(bundle, 'dawn.node.gz'))))
    expect(readdirSync(app).sort()).toEqual(['bench.mjs', 'dist', 'tfjs-backend-wasm'])

    const out = join(work, 'out')
    const env: NodeJS.ProcessEnv = { ...process.env, WORKBENCH_WEBGPU_ADAPTER: 'software' }
    delete env.NODE_PATH
    delete env.CIFAR_WORKBENCH_RESOURCES
    const ran = spawnSync(process.execPath, ['bench.mjs', '--smoke', '--workloads=seed-cnn', `--out=${out}`], {
      cwd: app,
      env,
      encoding: 'utf8',
      timeout: 90_000,
    })
    expect(ran.status, `${ran.stdout}\n${ran.stderr}`).toBe(0)
    expect(ran.stdout).toMatch(/^adapter: .*software adapter: its times are not speed figures$/m)
    expect(ran.stdout).toContain('smoke run: one step each, not speed figures')

    const result = JSON.parse(readFileSync(join(out, 'device-bench.json'), 'utf8')) as {
      smoke: boolean
      adapter: { software: boolean } | null
      backends: Record<string, { threads: number; simd: boolean }>
      rows: Row[]
    }
    expect(result.smoke).toBe(true)
    expect(result.adapter?.software).toBe(true)
    expect(result.rows.map((r) => r.backend)).toEqual(['webgpu', 'wasm'])
    for (const row of result.rows) {
      expect(row.error, row.backend).toBeNull()
      expect(row.workload).toBe('seed-cnn')
      expect(row.result!.steps).toBe(1)
      expect(row.result!.figure).toBe(false)
      expect(Number.isFinite(row.result!.imagesPerSecond) && row.result!.imagesPerSecond > 0).toBe(true)
      expect(Number.isFinite(row.result!.loss)).toBe(true)
    }
    // Same seeded weights, same batch: the two backends' first-step losses agree to float32 rounding.
    const [webgpu, wasm] = result.rows.map((r) => r.result!.loss)
    expect(Math.abs(webgpu! - wasm!)).toBeLessThan(1e-3)
    // One thread per core: the threaded build's worker scripts were found beside the bundle (without
    // them the wasm backend falls back to one thread).
    expect(result.backends.wasm).toMatchObject({ threads: availableParallelism(), simd: true })
    // The convolution kernels were timed on webgpu (the first layer only in a smoke run), labelled as no figures.
    const kernels = (JSON.parse(readFileSync(join(out, 'device-bench.json'), 'utf8')) as { kernels: KernelResult }).kernels
    expect(kernels).toMatchObject({ figures: false, note: null })
    expect(kernels.timings.map((k) => k.layer)).toEqual(['Seed CNN block1_conv1'])
    for (const k of kernels.timings)
      for (const t of [k.forwardMs, k.backpropInputMs, k.backpropFilterMs]) expect(Number.isFinite(t) && t > 0).toBe(true)
    expect(ran.stdout).toContain('(kernel times in parentheses are not speed figures)')
    const markdown = readFileSync(join(out, 'device-bench.md'), 'utf8')
    expect(markdown).toMatch(/\| Seed CNN block1_conv1 \| 57 \| \([\d.]+\) \| \([\d.]+\) \| \([\d.]+\) \| [\d.]+ \|/)
    expect(markdown).toContain('Software adapter: its webgpu times are not speed figures.')
    expect(markdown).toMatch(
      /\| Seed CNN training \(32 px\) \| 64 \| \([\d.]+, not a speed figure\) \| \([\d.]+, not a speed figure\) \|/,
    )
  })

  it('refuses a bundle over the carry limit, naming both sizes, and leaves no folder behind', (ctx) => {
    if (packed.status === 3 && !process.env.CI) ctx.skip()
    expect(packed.status, packed.stderr).toBe(0)
    // The pieces are cached by the first pack, so this repack is quick; 1 MiB is far below any bundle.
    const refused = join(work, 'refused')
    const ran = spawnSync(
      process.execPath,
      ['scripts/device-bundle.mjs', `--out=${refused}`, '--node-compression=gzip', '--carry-limit-mib=1'],
      { cwd: root, encoding: 'utf8' },
    )
    expect(ran.status, `${ran.stdout}\n${ran.stderr}`).toBe(1)
    const printed = (stdout: string, label: string) => new RegExp(`^ *([\\d.]+) MiB {2}${label}`, 'm').exec(stdout)?.[1]
    const total = printed(ran.stdout, 'total in ')
    const tree = printed(ran.stdout, 'tracked working tree')
    expect(total, ran.stdout).toBeDefined()
    expect(tree, ran.stdout).toBeDefined()
    // The same pieces as the bundle that fits, refused only for the lowered limit.
    expect(total).toBe(printed(packed.stdout, 'total in '))
    expect(ran.stderr).toContain(
      `device-bundle: bundle ${total} MiB + working tree ${tree} MiB exceed the 1.00 MiB a device call carries`,
    )
    // No complete-looking bundle (bench.mjs, manifest.json) is left for run.sh to take.
    expect(ran.stderr).toContain(`removed ${refused}`)
    expect(existsSync(refused)).toBe(false)
  })
})

import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DoctorReport } from '@shared/domain/system'

const repoRoot = resolve(import.meta.dirname, '..', '..', '..')
/** Whether `npm run native:install` (or tfjs-node's own install) built the native CPU backend here. */
const nativeBuilt = existsSync(join(repoRoot, 'node_modules', '@tensorflow', 'tfjs-node', 'lib'))
const bin = join(repoRoot, 'bin', 'cifar-workbench.mjs')
const scratch = mkdtempSync(join(tmpdir(), 'cwb-cli-'))

function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        done({ code, stdout, stderr })
      },
    )
  })
}

afterAll(() => rmSync(scratch, { recursive: true, force: true }))

describe('cifar-workbench doctor (child process)', () => {
  it('--json prints one object naming the backend chosen, with skipped backends and reasons', async () => {
    const dataDir = join(scratch, 'json')
    const { code, stdout, stderr } = await cli(['--data-dir', dataDir, 'doctor', '--json'])
    expect(stderr).toBe('')
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    const report = DoctorReport.parse(JSON.parse(lines[0]!))
    expect(report.forced).toBe(false)
    // No GPU here: the GPU build is skipped, for the first piece missing.
    const gpuProbe = report.backends.find((b) => b.name === 'tensorflow-gpu')
    expect(gpuProbe?.available).toBe(false)
    expect(gpuProbe?.reason).toMatch(
      /@tensorflow\/tfjs-node-gpu is (not installed|installed but its binding is not built)|no NVIDIA GPU found/,
    )
    const cpuProbe = report.backends.find((b) => b.name === 'tensorflow')
    if (nativeBuilt) {
      // The native CPU backend is the fastest that works, and the report names its libtensorflow.
      expect(report.backend).toBe('tensorflow')
      expect(cpuProbe).toMatchObject({ available: true, reason: null })
      expect(report.libtensorflow?.package).toBe('@tensorflow/tfjs-node')
      expect(report.libtensorflow?.version).toMatch(/^2\.\d+\.\d+/)
      expect(report.libtensorflow?.path).toMatch(/deps\/lib\/libtensorflow/)
    } else {
      // Neither native package installed on this machine, so wasm is the best available here.
      expect(report.backend).toBe('wasm')
      expect(cpuProbe?.available).toBe(false)
      expect(cpuProbe?.reason).toMatch(/@tensorflow\/tfjs-node is (not installed|installed but its binding is not built)/)
    }
    expect(report.dataDir).toBe(dataDir)
    expect(existsSync(dataDir)).toBe(true)
    expect(report.shell).toBe('cli')
  })

  it('text report: global options after the command, CIFAR_WORKBENCH_HOME, and the GPU nvidia-smi names', async () => {
    // A stand-in nvidia-smi on PATH: the real execFile path runs, without needing a GPU here.
    const fakeBin = join(scratch, 'fake-bin')
    mkdirSync(fakeBin, { recursive: true })
    writeFileSync(join(fakeBin, 'nvidia-smi'), '#!/bin/sh\necho "NVIDIA Test GPU 80GB"\n')
    chmodSync(join(fakeBin, 'nvidia-smi'), 0o755)
    const dataDir = join(scratch, 'env')
    const { code, stdout } = await cli(['doctor', '--backend', 'cpu'], {
      CIFAR_WORKBENCH_HOME: dataDir,
      PATH: `${fakeBin}:${process.env.PATH ?? ''}`,
    })
    expect(code).toBe(0)
    expect(stdout).toMatch(/^backend\s+cpu \(forced\)$/m)
    expect(stdout).toMatch(/^gpu\s+NVIDIA Test GPU 80GB$/m)
    expect(stdout).toContain(`data dir       ${dataDir}`)
    // The GPU is there but the package, its build or the driver library is not: skipped, for that reason.
    expect(stdout).toMatch(
      /tensorflow-gpu\s+skipped: (@tensorflow\/tfjs-node-gpu is (not installed|installed but its binding is not built)|the NVIDIA driver's libcuda\.so\.1 is not on the loader path)/,
    )
  })

  it('fails with a one-line error and non-zero exit for an unknown backend or option', async () => {
    const unknownBackend = await cli(['--data-dir', join(scratch, 'bad'), '--backend', 'quantum', 'doctor'])
    expect(unknownBackend.code).not.toBe(0)
    expect(unknownBackend.stderr.trim().split('\n')).toHaveLength(1)
    expect(unknownBackend.stderr).toMatch(/^error: --backend: "quantum" is not a backend/)
    const unknownOption = await cli(['--data-dir', join(scratch, 'bad'), 'doctor', '--verbose'])
    expect(unknownOption.code).toBe(2)
    expect(unknownOption.stderr).toMatch(/^error: doctor: .*--verbose/)
  })

  it('fails clearly when the forced GPU backend cannot be used, also in --json (never falls back)', async () => {
    const { code, stdout, stderr } = await cli([
      '--data-dir',
      join(scratch, 'forced-gpu'),
      '--backend',
      'tensorflow-gpu',
      'doctor',
      '--json',
    ])
    expect(code).toBe(1)
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: 'unavailable' } })
    expect(stderr).toMatch(
      /backend "tensorflow-gpu" was forced but cannot be used: (@tensorflow\/tfjs-node-gpu is|no NVIDIA GPU found)/,
    )
  })

  it.skipIf(nativeBuilt)('fails clearly when a forced native backend is not installed, also in --json', async () => {
    const { code, stdout, stderr } = await cli([
      '--data-dir',
      join(scratch, 'forced'),
      '--backend',
      'tensorflow',
      'doctor',
      '--json',
    ])
    expect(code).toBe(1)
    expect(JSON.parse(stdout)).toMatchObject({ error: { code: 'unavailable' } })
    expect(stderr).toMatch(/backend "tensorflow" was forced but cannot be used: @tensorflow\/tfjs-node is not installed/)
  })
})

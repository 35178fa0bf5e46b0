import { execFile } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DoctorReport } from '@shared/domain/system'

const repoRoot = resolve(import.meta.dirname, '..', '..', '..')
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
    // Neither native package can install on this machine, so wasm is the best available here.
    expect(report.backend).toBe('wasm')
    expect(report.forced).toBe(false)
    for (const name of ['tensorflow-gpu', 'tensorflow'] as const) {
      const probe = report.backends.find((b) => b.name === name)
      expect(probe?.available).toBe(false)
      expect(probe?.reason).toMatch(/@tensorflow\/tfjs-node(-gpu)? is not installed/)
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
    // The GPU is there but the package is not: still skipped, for that reason.
    expect(stdout).toMatch(/tensorflow-gpu\s+skipped: @tensorflow\/tfjs-node-gpu is not installed/)
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

  it('fails clearly when a forced native backend is not installed, also in --json', async () => {
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

// scripts/native-install.mjs as a user runs it, and the GPU build's pre-load checks.
import { execFile, spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CUDA_LIBRARIES, gpuComputeCapability, missingCudaLibraries } from '../../../src-main/engine/backend/native-library'
import { nativeBuilt, nativeSkipReason } from '../support/native-backend'

const repoRoot = resolve(import.meta.dirname, '..', '..', '..')
const script = join(repoRoot, 'scripts', 'native-install.mjs')
const scratch = mkdtempSync(join(tmpdir(), 'native-install-'))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

function install(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [script, ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 120_000 },
      (error, stdout, stderr) => {
        done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr })
      },
    )
  })
}

/** A system-wide CUDA install would satisfy the libraries this test leaves out. */
const systemCuda = /libcudart\.so\.12/.test(spawnSync('ldconfig', ['-p'], { encoding: 'utf8' }).stdout ?? '')

if (!nativeBuilt) console.warn(`skipping the installed-backend checks: ${nativeSkipReason}`)

describe('npm run native:install', () => {
  it.skipIf(!nativeBuilt)('a second run finds the built binding and stops with a one-line result', async () => {
    const { code, stdout } = await install([])
    expect(code).toBe(0)
    const lines = stdout.trim().split('\n')
    expect(lines.at(-1)).toMatch(
      /^native: OK @tensorflow\/tfjs-node@4\.22\.0 already installed with libtensorflow 2\.\d+\.\d+ \(from tensorflow-cpu==2\.\d+\.\d+ wheel\)/,
    )
  })

  it('without the wheel in its cache and no network it names what is missing and where to put it, leaving the install alone', async () => {
    // A Python whose pip works but cannot reach the index, as on an offline machine.
    const fakePython = join(scratch, 'python-offline')
    writeFileSync(
      fakePython,
      '#!/bin/sh\nif [ "$3" = "--version" ]; then echo "pip 24.0"; exit 0; fi\necho "ERROR: Could not find a version that satisfies the requirement (network is unreachable)" >&2\nexit 1\n',
    )
    chmodSync(fakePython, 0o755)
    const cache = join(scratch, 'empty-cache')
    const { code, stderr } = await install(['--force'], { PYTHON: fakePython, CIFAR_WORKBENCH_CACHE_DIR: cache })
    expect(code).toBe(1)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain(
      `native: FAILED: could not download tensorflow-cpu==2.21.0 from PyPI (no network?) and it is not cached in ${join(cache, 'native', 'wheels')}`,
    )
    expect(stderr).toContain('network is unreachable')
    // The failure came before anything was staged: the built backend (when there is one) still loads.
    if (nativeBuilt) expect((await install([])).code).toBe(0)
  })

  it('refuses an unknown option', async () => {
    const { code, stderr } = await install(['--gpus'])
    expect(code).toBe(1)
    expect(stderr).toMatch(/unknown option --gpus/)
  })
})

describe('the GPU build, checked before its library loads', () => {
  it.skipIf(systemCuda)(
    'names every CUDA / cuDNN library found neither beside libtensorflow nor on the loader path',
    async () => {
      const pkg = join(scratch, 'fake-tfjs-node-gpu')
      mkdirSync(join(pkg, 'deps', 'lib'), { recursive: true })
      writeFileSync(join(pkg, 'deps', 'lib', 'libcudart.so.12'), '')
      const extra = join(scratch, 'ld-path')
      mkdirSync(extra, { recursive: true })
      writeFileSync(join(extra, 'libcudnn.so.9'), '')
      const missing = await missingCudaLibraries(pkg, { LD_LIBRARY_PATH: extra })
      // Everything else is reported, by name.
      expect(missing).toEqual(CUDA_LIBRARIES.filter((l) => l !== 'libcudart.so.12' && l !== 'libcudnn.so.9'))
      for (const lib of CUDA_LIBRARIES) writeFileSync(join(pkg, 'deps', 'lib', lib), '')
      expect(await missingCudaLibraries(pkg, {})).toEqual([])
    },
  )

  it('reads the compute capability from nvidia-smi', async () => {
    // A stand-in nvidia-smi first on PATH: the real execFile path runs without a GPU here.
    const bin = join(scratch, 'fake-bin')
    mkdirSync(bin, { recursive: true })
    writeFileSync(join(bin, 'nvidia-smi'), '#!/bin/sh\necho "8.0"\n')
    chmodSync(join(bin, 'nvidia-smi'), 0o755)
    const path = process.env.PATH
    process.env.PATH = `${bin}:${path ?? ''}`
    try {
      expect(await gpuComputeCapability()).toBe('8.0')
    } finally {
      process.env.PATH = path
    }
  })
})

// The Python the peers run on: $WORKBENCH_PYTHON, else the reference environment's interpreter from
// scripts/python-env.mjs (created on first use). Keras, TensorFlow and PyTorch come from there, never
// from the app's dependencies.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
export const PEERS_DIR = join(repoRoot, 'bench/peers')

let cached: { python: string } | { reason: string } | null = null

/** The reference interpreter, or why there is none. */
export function referencePython(): { python: string } | { reason: string } {
  if (cached) return cached
  const fromEnv = process.env.WORKBENCH_PYTHON
  if (fromEnv) {
    cached = existsSync(fromEnv) ? { python: fromEnv } : { reason: `WORKBENCH_PYTHON=${fromEnv} does not exist` }
    return cached
  }
  const run = spawnSync(process.execPath, [join(repoRoot, 'scripts/python-env.mjs')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const python = run.stdout?.trim().split('\n').pop() ?? ''
  cached = run.status === 0 && existsSync(python) ? { python } : { reason: `scripts/python-env.mjs failed (exit ${run.status})` }
  return cached
}

/** Why `modules` cannot be imported by the reference Python, or null when they can. */
export function missingModules(python: string, modules: string[]): string | null {
  const run = spawnSync(python, ['-c', modules.map((m) => `import ${m}`).join('; ')], {
    encoding: 'utf8',
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, CUDA_VISIBLE_DEVICES: '', TF_CPP_MIN_LOG_LEVEL: '3' },
  })
  if (run.status === 0) return null
  const last = (run.stderr ?? '').trim().split('\n').pop() ?? `exit ${run.status}`
  return `${python} cannot import ${modules.join(', ')} (${last})`
}

/**
 * Runs bench/peers/<script> with the reference Python and parses the one JSON line it prints;
 * its progress goes to our stderr. Returns the reason as a string when it cannot run.
 */
export function runPeerScript<T>(script: string, args: string[], modules: string[]): T | string {
  const found = referencePython()
  if ('reason' in found) return found.reason
  const missing = missingModules(found.python, modules)
  if (missing) return missing
  const run = spawnSync(found.python, [join(PEERS_DIR, script), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 26,
    env: { ...process.env, CUDA_VISIBLE_DEVICES: '', TF_CPP_MIN_LOG_LEVEL: '2', KERAS_BACKEND: 'tensorflow' },
  })
  const line = run.stdout?.trim().split('\n').pop() ?? ''
  if (run.status !== 0 || !line.startsWith('{')) return `${script} exited with status ${run.status}`
  return JSON.parse(line) as T
}

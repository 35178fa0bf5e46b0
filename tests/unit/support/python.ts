import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** Where `node scripts/python-env.mjs` puts the venv when WORKBENCH_PYENV does not say. */
const DEFAULT_PYTHON = join(process.env.WORKBENCH_PYENV || join(homedir(), '.cache', 'cifar-workbench', 'pyenv'), 'bin', 'python')

/**
 * The Python interpreter of the reference-library venv (`node scripts/python-env.mjs` creates it):
 * WORKBENCH_PYTHON, else the script's default location. Returns null with a message when absent;
 * under CI its absence fails.
 */
export function workbenchPython(what: string): string | null {
  const python = process.env.WORKBENCH_PYTHON
  if (python && existsSync(python)) return python
  if (!python && existsSync(DEFAULT_PYTHON)) return DEFAULT_PYTHON
  const reason = python ? `WORKBENCH_PYTHON=${python} does not exist` : 'WORKBENCH_PYTHON is not set'
  if (process.env.CI)
    throw new Error(`${what} needs the Python reference venv under CI: ${reason} (run: node scripts/python-env.mjs)`)
  console.warn(`SKIP ${what}: ${reason} (export WORKBENCH_PYTHON=$(node scripts/python-env.mjs))`)
  return null
}

/** Runs a Python script with arguments; its stderr is part of the error when it fails. */
export function runPython(python: string, args: string[], env: Record<string, string> = {}): string {
  try {
    return execFileSync(python, args, {
      encoding: 'utf8',
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    })
  } catch (error) {
    const e = error as { stderr?: string; message: string }
    throw new Error(`python ${args.join(' ')} failed: ${e.stderr?.slice(-4000) || e.message}`, { cause: error })
  }
}

import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/**
 * The Python with SciPy that reference tests compare against: $WORKBENCH_PYTHON, else the environment
 * `node scripts/python-env.mjs` creates. Null (the tests skip with `pythonSkipReason`) when there is
 * none, except under CI, where it is an error: CI creates it.
 */
function findPython(): string | null {
  const fromEnv = process.env.WORKBENCH_PYTHON
  if (fromEnv) return fromEnv
  const fallback = join(process.env.WORKBENCH_PYENV || join(homedir(), '.cache', 'cifar-workbench', 'pyenv'), 'bin', 'python')
  return existsSync(fallback) ? fallback : null
}

export const referencePython = findPython()
export const pythonSkipReason =
  'no Python with SciPy: run `node scripts/python-env.mjs` (or set WORKBENCH_PYTHON) to check the statistics against SciPy'

if (!referencePython && process.env.CI === 'true') {
  throw new Error(`CI needs the SciPy reference: ${pythonSkipReason}`)
}

/** Runs a Python script with a JSON job on stdin and parses the JSON it prints. */
export function runPython<T>(script: string, job: unknown): T {
  if (!referencePython) throw new Error(pythonSkipReason)
  const r = spawnSync(referencePython, [script], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`${script} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

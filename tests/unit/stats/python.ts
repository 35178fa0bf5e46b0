import { spawnSync } from 'node:child_process'
import { workbenchPython } from '../support/python'

/** The Python with SciPy the statistics are checked against (see tests/unit/support/python.ts). */
export const referencePython = workbenchPython('the statistics checks against SciPy')
export const pythonSkipReason = 'no Python reference venv: run `node scripts/python-env.mjs` (or set WORKBENCH_PYTHON)'

/** Runs a Python script with a JSON job on stdin and parses the JSON it prints. */
export function runPython<T>(script: string, job: unknown): T {
  if (!referencePython) throw new Error(pythonSkipReason)
  const r = spawnSync(referencePython, [script], { input: JSON.stringify(job), encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`${script} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr}`)
  return JSON.parse(r.stdout) as T
}

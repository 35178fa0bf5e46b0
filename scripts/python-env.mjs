#!/usr/bin/env node
// Creates (or reuses) the Python virtual environment the reference tests and the peer benchmarks run
// against (SciPy, Keras 3 on JAX and TensorFlow, tf-keras, onnxruntime, PyTorch, timm; never
// dependencies of the app) and prints its python. The packages are pinned in scripts/python-requirements.txt; the environment is rebuilt
// when that file changes. Location: $WORKBENCH_PYENV, else ~/.cache/cifar-workbench/pyenv.
//
//   node scripts/python-env.mjs          # create or update, print the interpreter's path
//   WORKBENCH_PYTHON=$(node scripts/python-env.mjs) npx vitest run tests/unit/stats
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const requirements = join(here, 'python-requirements.txt')
const envDir = process.env.WORKBENCH_PYENV || join(homedir(), '.cache', 'cifar-workbench', 'pyenv')
const python = join(envDir, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python')
const stamp = join(envDir, 'requirements.sha256')
const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex')

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] })
  if (r.status !== 0) {
    process.stderr.write(`python-env: ${cmd} ${args.join(' ')} failed (${r.error?.message ?? `exit ${r.status}`})\n`)
    process.exit(1)
  }
}

const current = existsSync(stamp) ? readFileSync(stamp, 'utf8').trim() : null
if (!existsSync(python) || current !== wanted) {
  const base = process.env.PYTHON || 'python3'
  rmSync(envDir, { recursive: true, force: true })
  mkdirSync(dirname(envDir), { recursive: true })
  // stdout carries only the interpreter's path, so progress goes to stderr.
  process.stderr.write(`python-env: creating ${envDir} with ${base}\n`)
  run(base, ['-m', 'venv', envDir])
  const pip = spawnSync(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], {
    stdio: ['ignore', 2, 'inherit'],
  })
  if (pip.status !== 0) {
    process.stderr.write(`python-env: pip install -r ${requirements} failed (exit ${pip.status})\n`)
    process.exit(1)
  }
  writeFileSync(stamp, `${wanted}\n`)
}
process.stdout.write(`${python}\n`)

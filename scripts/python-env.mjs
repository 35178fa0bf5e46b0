#!/usr/bin/env node
// Creates (or reuses) the Python virtual environment the reference-library tests run against, and
// prints its interpreter's path: `export WORKBENCH_PYTHON=$(node scripts/python-env.mjs)`.
// Location: $WORKBENCH_PYENV, else ~/.cache/cifar-workbench/pyenv. Packages come from PyPI; they are
// never dependencies of the app. Keras 3 runs on its JAX backend (the smallest one to install).
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'

/** What the tests import, pinned so a new release cannot change a reference result unseen. */
const PACKAGES = ['numpy==2.4.6', 'scipy==1.17.1', 'h5py==3.16.0', 'keras==3.15.1', 'jax==0.10.2', 'onnx==1.23.2', 'onnxruntime==1.32.0']

const dir = process.env.WORKBENCH_PYENV || join(homedir(), '.cache', 'cifar-workbench', 'pyenv')
const python = join(dir, process.platform === 'win32' ? 'Scripts/python.exe' : 'bin/python')
const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', process.stderr, process.stderr] })

if (!existsSync(python)) run(process.env.PYTHON || 'python3', ['-m', 'venv', dir])
run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', ...PACKAGES])
process.stdout.write(`${python}\n`)

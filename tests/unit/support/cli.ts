import { expect } from 'vitest'
import type { RunDetail } from '@shared/domain/run'
import { writeCifarBinary } from '../data/fixtures'
import { main } from '../../../src-main/cli/main'

/** Runs the real CLI entry in this process (importing it once keeps suites fast), capturing its output. */
export async function runCli(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = ''
  let stderr = ''
  const out = process.stdout.write.bind(process.stdout)
  const err = process.stderr.write.bind(process.stderr)
  process.stdout.write = (chunk: string | Uint8Array) => ((stdout += String(chunk)), true)
  process.stderr.write = (chunk: string | Uint8Array) => ((stderr += String(chunk)), true)
  try {
    const code = await main(['--data-dir', dataDir, ...args])
    return { code, stdout, stderr }
  } finally {
    process.stdout.write = out
    process.stderr.write = err
  }
}

/** A data directory holding a tiny CIFAR-binary dataset and one Seed CNN run trained on it by the CLI. */
export async function trainedSeedCnnRun(dataDir: string, work: string): Promise<RunDetail> {
  const imported = await runCli(dataDir, 'dataset', 'import', writeCifarBinary(work, 6), '--name', 'tiny', '--json')
  expect(imported.code, imported.stderr).toBe(0)
  const trained = await runCli(
    dataDir,
    '--json',
    'train',
    '--preset',
    'seed-cnn',
    '--epochs',
    '1',
    '--train-size',
    '20',
    '--seed',
    '4',
  )
  expect(trained.code, trained.stderr).toBe(0)
  const run = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as RunDetail
  expect(run.status).toBe('completed')
  return run
}

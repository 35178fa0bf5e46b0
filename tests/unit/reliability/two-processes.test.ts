import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import { createCore } from '../../../src-main/core/compose'
import { TRAINER_LOCK } from '../../../src-main/experiments/trainer-lock'
import { tarOf, writeCifarBinary } from '../data/fixtures'
import { runCli } from '../support/cli'

// The CLI and another process (the app, browser mode) on one data directory: both read and write the
// same history, one of them trains at a time, a run in progress keeps its dataset, and a trainer that
// died leaves a lock the next one takes over.

const repo = resolve(__dirname, '../../..')
const root = mkdtempSync(join(tmpdir(), 'two-processes-'))
const dataDir = join(root, 'data')
let child: ChildProcess | null = null
afterAll(() => {
  child?.kill('SIGKILL')
  rmSync(root, { recursive: true, force: true })
})

function config(datasetId: string, epochs: number) {
  return ExperimentConfig.parse({
    name: `trained for ${epochs} epochs`,
    data: { datasetId, validationSplit: 0.2 },
    model: { kind: 'scratch', convBlocks: 1, filters: [4], denseUnits: 8 },
    training: { epochs, batchSize: 8 },
  })
}

/** Starts `train` in a child CLI and resolves once it has reported its first batch. */
function trainInChild(configFile: string): Promise<{ runId: string }> {
  return new Promise((resolveStarted, reject) => {
    child = spawn(
      process.execPath,
      [
        join(repo, 'bin/cifar-workbench.mjs'),
        '--data-dir',
        dataDir,
        '--backend',
        'wasm',
        'train',
        '--config',
        configFile,
        '--json',
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let buffer = ''
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('exit', (code) => reject(new Error(`the training CLI exited (${code}) before reporting: ${stderr}`)))
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      const line = buffer.split('\n').find((l) => l.includes('"type":"progress"'))
      if (line) resolveStarted({ runId: (JSON.parse(line) as { runId: string }).runId })
    })
  })
}

describe('two processes on one data directory', () => {
  it("share the history, train one at a time, keep a running run's dataset, and recover a dead trainer's lock", async () => {
    const source = join(root, 'source')
    mkdirSync(source)
    writeCifarBinary(source, 24)
    const archive = await tarOf(source, 'cifar-10-batches-bin', join(root, 'cifar.tar.gz'), true)
    const imported = await runCli(dataDir, 'dataset', 'import', archive, '--json')
    expect(imported.code, imported.stderr).toBe(0)
    const datasetId = (JSON.parse(imported.stdout) as { id: string }).id
    const configFile = join(root, 'long.json')
    writeFileSync(configFile, JSON.stringify(config(datasetId, 500)))

    const { runId } = await trainInChild(configFile)
    const holder = JSON.parse(readFileSync(join(dataDir, TRAINER_LOCK), 'utf8')) as { pid: number; shell: string }
    expect(holder).toMatchObject({ pid: child!.pid, shell: 'cli' })

    const other = await createCore({ dataDir, shell: 'browser' })
    try {
      // The other process's run is alive: opening the store must not mark it interrupted.
      expect((await other.call('runs.get', { id: runId })).status).toBe('running')
      await expect(other.call('training.start', { config: config(datasetId, 1) })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(
          new RegExp(`another process \\(cli, pid ${child!.pid}, since .*\\) is training in this data directory`),
        ) as string,
      })
      expect((await other.call('runs.list', {})).total).toBe(1)
      await expect(other.call('datasets.delete', { id: datasetId })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringContaining(`is used by run ${runId}`) as string,
      })
      // Edits from this process land in the history the trainer writes to.
      await other.call('runs.rename', { id: runId, name: 'renamed from the other process' })
      expect((await other.call('runs.get', { id: runId })).name).toBe('renamed from the other process')
    } finally {
      await other.close()
    }

    // The trainer dies without cleaning up: its lock is stale, its run interrupted for the next process.
    const exited = new Promise((r) => child!.once('exit', r))
    child!.kill('SIGKILL')
    await exited
    child = null
    expect(existsSync(join(dataDir, TRAINER_LOCK))).toBe(true)
    const next = await createCore({ dataDir, shell: 'browser' })
    try {
      expect((await next.call('runs.get', { id: runId })).status).toBe('interrupted')
      const { runIds } = await next.call('training.start', { config: config(datasetId, 1) })
      for (;;) {
        const run = await next.call('runs.get', { id: runIds[0]! })
        if (run.status !== 'queued' && run.status !== 'running') {
          expect(run.status, run.failureMessage ?? '').toBe('completed')
          break
        }
        await new Promise((r) => setTimeout(r, 200))
      }
      expect((await next.call('runs.list', {})).total).toBe(2)
      // Idle again: the lock is released for whichever process trains next.
      expect(existsSync(join(dataDir, TRAINER_LOCK))).toBe(false)
    } finally {
      await next.close()
    }
  }, 600_000)
})

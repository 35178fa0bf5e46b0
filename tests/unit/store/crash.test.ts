import { spawn } from 'node:child_process'
import { existsSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, expect, it } from 'vitest'
import { openStore } from '../../../src-main/store'
import { epochMetric, tempDir } from '../../fixtures/store/factories'

const repoRoot = resolve(__dirname, '../../..')
let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Starts the writer and SIGKILLs it once it reports `killAfter` committed epochs. */
function runAndKill(file: string, killAfter: number): Promise<{ reported: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['bin/run-ts.mjs', 'tests/fixtures/store/writer.ts', file, '0'], { cwd: repoRoot })
    let reported = 0
    let buffer = ''
    let stderr = ''
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString()
      const lines = buffer.split('\n')
      buffer = lines.pop() ?? ''
      for (const line of lines) {
        const m = /^epoch (\d+)$/.exec(line)
        if (m) reported = Number(m[1])
      }
      // Killed while it keeps writing: the next epoch's transaction is usually in flight.
      if (reported >= killAfter && !child.killed) child.kill('SIGKILL')
    })
    child.on('error', reject)
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code ?? signal} before being killed: ${stderr}`))
      else resolvePromise({ reported, signal })
    })
  })
}

it('a writer killed with SIGKILL mid-run leaves an intact database with the run interrupted and its epochs', async () => {
  const file = join(dir, 'workbench.sqlite')
  const { reported } = await runAndKill(file, 8)
  expect(reported).toBeGreaterThanOrEqual(8)
  // The process died holding the database open: the write-ahead log is still there.
  expect(existsSync(`${file}-wal`)).toBe(true)

  const raw = new Database(file)
  expect(raw.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }])
  expect((raw.prepare('SELECT status FROM runs').get() as { status: string }).status).toBe('running')
  raw.close()

  const opened = openStore(file)
  const store = opened.runs
  try {
    const [id] = store.markInterruptedRuns()
    expect(id).toBeDefined()
    const run = store.getRun(id!)
    expect(run.status).toBe('interrupted')
    expect(run.failureMessage).toMatch(/stopped before it finished/)
    // Every reported epoch is there (one more may have committed before the kill), each intact.
    expect(run.epochs.length).toBeGreaterThanOrEqual(reported)
    expect(run.epochs.length).toBeLessThanOrEqual(reported + 1)
    run.epochs.forEach((e, i) => expect(e).toEqual(epochMetric(i + 1, Math.min(0.99, 0.1 * (i + 1)))))
    expect(run.epochsDone).toBe(run.epochs.length)
    expect(run.final.valAccuracy).toBe(run.epochs.at(-1)!.valAccuracy)
    expect(run.wallTimeMs).toBeGreaterThanOrEqual(0)
    const lastStep = Math.max(...run.batchPoints.map((p) => p.step))
    expect(lastStep).toBeGreaterThanOrEqual(run.epochs.length * 50)
    // It can be resumed: back to the queue with its epochs.
    expect(store.requeueRun(run.id).status).toBe('queued')
    expect(store.getRun(run.id).epochs).toHaveLength(run.epochs.length)
  } finally {
    opened.close()
  }
})

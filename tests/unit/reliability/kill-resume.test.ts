import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunDetail } from '@shared/domain/run'
import { tarOf, writeCifarBinary } from '../data/fixtures'

// A run killed with SIGKILL at random moments (inside batches, around epoch ends and checkpoint
// writes, during evaluation) and resumed each time with `train --resume` ends exactly where an
// uninterrupted run with the same seed ends: the same epochs once each, the same metrics and the
// same final weights, bit for bit, on the wasm backend.

const repo = resolve(__dirname, '../../..')
const cli = join(repo, 'bin/cifar-workbench.mjs')
const root = mkdtempSync(join(tmpdir(), 'kill-resume-'))
const KILLS = 20
let archive: string
let configFile: string

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Outcome {
  code: number | null
  killed: boolean
  lines: Array<Record<string, unknown>>
  stderr: string
}

/** Runs the CLI; with `killAfter`, SIGKILLs it `delayMs` after its k-th JSON line. */
function cliRun(dataDir: string, args: string[], killAfter?: { lines: number; delayMs: number }): Promise<Outcome> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [cli, '--data-dir', dataDir, '--backend', 'wasm', ...args, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const lines: Array<Record<string, unknown>> = []
    let buffer = ''
    let stderr = ''
    let killed = false
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>)
        } catch {
          continue
        }
        if (killAfter && lines.length === killAfter.lines) {
          setTimeout(() => {
            killed = child.kill('SIGKILL')
          }, killAfter.delayMs)
        }
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.on('exit', (code, signal) => resolveRun({ code, killed: killed && signal === 'SIGKILL', lines, stderr }))
  })
}

function lastRun(outcome: Outcome): RunDetail | null {
  const line = outcome.lines.findLast((l) => l.type === 'run')
  return (line as unknown as RunDetail) ?? null
}

function runIdOf(outcome: Outcome): string | null {
  const line = outcome.lines.find((l) => typeof l.runId === 'string')
  return (line?.runId as string | undefined) ?? null
}

/** The bytes of a run's exported weights, hashed file by file. */
function weightsOf(dataDir: string, run: RunDetail): Record<string, string> {
  const model = run.artifacts.find((a) => a.kind === 'model')
  if (!model) throw new Error(`run ${run.id} has no exported model`)
  const dir = join(dataDir, model.path)
  const out: Record<string, string> = {}
  for (const name of readdirSync(dir)
    .filter((n) => n.endsWith('.bin'))
    .sort()) {
    out[name] = createHash('sha256')
      .update(readFileSync(join(dir, name)))
      .digest('hex')
  }
  return out
}

/** What must match between the two runs: every epoch's numbers (not its wall time) and the test result. */
function comparable(run: RunDetail) {
  return {
    epochs: run.epochs.map(({ durationMs: _d, imagesPerSecond: _i, ...rest }) => rest),
    accuracy: run.evaluation?.accuracy,
    testLoss: run.evaluation?.testLoss,
    confusion: run.evaluation?.confusionMatrix,
  }
}

beforeAll(async () => {
  const source = join(root, 'source')
  mkdirSync(source)
  writeCifarBinary(source, 48)
  archive = await tarOf(source, 'cifar-10-batches-bin', join(root, 'cifar-10-binary.tar.gz'), true)
  configFile = join(root, 'config.json')
  writeFileSync(
    configFile,
    JSON.stringify({
      name: 'kill and resume',
      data: { validationSplit: 0.2 },
      model: { kind: 'scratch', convBlocks: 1, filters: [4], denseUnits: 16, dropout: 0.25 },
      training: { epochs: 16, batchSize: 8, seed: 7, reduceLrOnPlateau: { enabled: true, patience: 0, factor: 0.5 } },
      augmentation: { enabled: true, horizontalFlip: true, widthShiftRange: 0.1 },
    }),
  )
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('kill and resume', () => {
  it(`a run killed ${KILLS} times and resumed equals the uninterrupted run, bit for bit`, async () => {
    const reference = join(root, 'reference')
    expect((await cliRun(reference, ['dataset', 'import', archive])).code).toBe(0)
    const straight = await cliRun(reference, ['train', '--config', configFile])
    expect(straight.code, straight.stderr).toBe(0)
    const expected = lastRun(straight)!
    expect(expected.status).toBe('completed')

    const victim = join(root, 'victim')
    expect((await cliRun(victim, ['dataset', 'import', archive])).code).toBe(0)
    // Kills land anywhere from the first progress line to about the next epoch end, so some runs are
    // cut inside a batch, some around the epoch's checkpoint and some after it, during evaluation.
    const linesPerEpoch =
      straight.lines.filter((l) => l.type === 'progress' || l.type === 'epoch').length / expected.epochs.length
    const reach = Math.max(2, Math.round(linesPerEpoch))
    const rng = mulberry32(20261201)
    let runId: string | null = null
    let kills = 0
    let final: RunDetail | null = null
    for (let attempt = 0; attempt < KILLS * 4 && !final; attempt++) {
      const plan = kills < KILLS ? { lines: 1 + Math.floor(rng() * reach), delayMs: Math.floor(rng() * 80) } : undefined
      const outcome = await cliRun(victim, runId ? ['train', '--resume', runId] : ['train', '--config', configFile], plan)
      runId ??= runIdOf(outcome)
      if (outcome.killed) {
        kills++
        continue
      }
      // A kill that came before the run was recorded leaves nothing to resume: start again.
      if (outcome.code !== 0) expect(outcome.stderr, `attempt ${attempt}`).toMatch(/only an interrupted or cancelled run|error/)
      final = lastRun(outcome)
    }
    expect(kills).toBe(KILLS)
    expect(final?.status).toBe('completed')
    expect(final!.epochs.map((e) => `${e.phase}:${e.epoch}`)).toEqual(expected.epochs.map((e) => `${e.phase}:${e.epoch}`))
    expect(weightsOf(victim, final!)).toEqual(weightsOf(reference, expected))
    expect(comparable(final!)).toEqual(comparable(expected))
  }, 900_000)
})

// Kill and resume: the same experiment trained straight through in one data directory, and in another
// killed with SIGKILL at seeded random moments and resumed with `train --resume` each time, both through
// the real CLI in child processes. Used by tests/unit/reliability/kill-resume.test.ts (20 kills on a tiny
// CNN) and bench/kill-resume.bench.ts (100 kills on the Seed CNN).
import { spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunDetail } from '@shared/domain/run'
import { seededRng } from '../fuzz/mutate'

const CLI = join(import.meta.dirname, '..', '..', 'bin', 'cifar-workbench.mjs')

export interface CliOutcome {
  code: number | null
  killed: boolean
  lines: Array<Record<string, unknown>>
  stderr: string
}

/** Runs the CLI with --json; with `killAfter`, SIGKILLs it `delayMs` after its k-th JSON line. */
export function cliRun(
  dataDir: string,
  backend: string,
  args: string[],
  killAfter?: { lines: number; delayMs: number },
): Promise<CliOutcome> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [CLI, '--data-dir', dataDir, '--backend', backend, ...args, '--json'], {
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

function lastRun(outcome: CliOutcome): RunDetail | null {
  const line = outcome.lines.findLast((l) => l.type === 'run')
  return (line as unknown as RunDetail | undefined) ?? null
}

function runIdOf(outcome: CliOutcome): string | null {
  const line = outcome.lines.find((l) => typeof l.runId === 'string')
  return (line?.runId as string | undefined) ?? null
}

/** The bytes of a run's exported weights, hashed file by file. */
export function weightsOf(dataDir: string, run: RunDetail): Record<string, string> {
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
export function comparable(run: RunDetail) {
  return {
    epochs: run.epochs.map(({ durationMs: _d, imagesPerSecond: _i, ...rest }) => rest),
    accuracy: run.evaluation?.accuracy,
    testLoss: run.evaluation?.testLoss,
    confusion: run.evaluation?.confusionMatrix,
  }
}

export interface KillResumeOptions {
  /** A dataset archive both data directories import. */
  archive: string
  configFile: string
  referenceDir: string
  victimDir: string
  kills: number
  seed: number
  backend: string
  onAttempt?: (attempt: number, killed: boolean, kills: number) => void
}

export interface KillResumeResult {
  kills: number
  attempts: number
  expected: RunDetail
  final: RunDetail | null
  /** Attempts that exited with an error instead of training (each message kept). */
  errors: string[]
}

export async function killAndResume(o: KillResumeOptions): Promise<KillResumeResult> {
  for (const dir of [o.referenceDir, o.victimDir]) {
    const imported = await cliRun(dir, o.backend, ['dataset', 'import', o.archive])
    if (imported.code !== 0) throw new Error(`dataset import failed: ${imported.stderr}`)
  }
  const straight = await cliRun(o.referenceDir, o.backend, ['train', '--config', o.configFile])
  const expected = lastRun(straight)
  if (straight.code !== 0 || !expected) throw new Error(`the uninterrupted run failed: ${straight.stderr}`)
  // Kills land anywhere from the first progress line to about the next epoch end, so some runs are cut
  // inside a batch, some around the epoch's checkpoint and some after it, during evaluation.
  const linesPerEpoch = straight.lines.filter((l) => l.type === 'progress' || l.type === 'epoch').length / expected.epochs.length
  const reach = Math.max(2, Math.round(linesPerEpoch))
  const rng = seededRng(o.seed)
  let runId: string | null = null
  let kills = 0
  let final: RunDetail | null = null
  const errors: string[] = []
  let attempt = 0
  for (; attempt < o.kills * 4 && !final; attempt++) {
    const plan = kills < o.kills ? { lines: 1 + Math.floor(rng() * reach), delayMs: Math.floor(rng() * 80) } : undefined
    const outcome = await cliRun(
      o.victimDir,
      o.backend,
      runId ? ['train', '--resume', runId] : ['train', '--config', o.configFile],
      plan,
    )
    runId ??= runIdOf(outcome)
    if (outcome.killed) kills++
    else if (outcome.code !== 0) errors.push(outcome.stderr.trim().split('\n').at(-1) ?? `exit ${outcome.code}`)
    else final = lastRun(outcome)
    o.onAttempt?.(attempt, outcome.killed, kills)
  }
  return { kills, attempts: attempt, expected, final, errors }
}

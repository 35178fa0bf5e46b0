import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { ContractError } from '@shared/contract'

/**
 * One trainer per data directory. The app, browser mode and the CLI may all open the same data
 * directory at once (SQLite serialises their writes, and lists stay consistent), but only the process
 * holding `trainer.lock` runs training: two processes training at once would compete for the same
 * cores and could both pick up an interrupted run. The lock names its holder, so the refusal can say
 * who; a holder that died (a crash, SIGKILL) leaves a stale lock that the next trainer takes over.
 */
export const TRAINER_LOCK = 'trainer.lock'

const Holder = z.object({ pid: z.number().int().positive(), host: z.string(), shell: z.string(), since: z.string() })
export type LockHolder = z.infer<typeof Holder>

/** What an unreadable lock counts as: a holder that is not alive here. */
const DEAD: LockHolder = { pid: 0x7ffffffe, host: hostname(), shell: 'unknown', since: 'unknown' }

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

export class TrainerLock {
  private readonly file: string
  private held = false

  constructor(
    dataDir: string,
    private readonly shell: string,
  ) {
    this.file = join(dataDir, TRAINER_LOCK)
  }

  /** The live process, other than this one, that holds the lock; null when none does. */
  otherHolder(): LockHolder | null {
    const holder = this.read()
    if (!holder || holder.pid === process.pid) return null
    // A lock from another machine (a data directory on a network share) cannot be checked: honour it.
    return holder.host !== hostname() || alive(holder.pid) ? holder : null
  }

  /** Takes the lock, or says which process trains in this data directory. Re-entrant. */
  acquire(): void {
    if (this.held) return
    const mine: LockHolder = { pid: process.pid, host: hostname(), shell: this.shell, since: new Date().toISOString() }
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        writeFileSync(this.file, JSON.stringify(mine), { flag: 'wx' })
        this.held = true
        return
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      const other = this.otherHolder()
      if (other) {
        throw new ContractError(
          'conflict',
          `another process (${other.shell}, pid ${other.pid}, since ${other.since}) is training in this data directory; ` +
            'wait until its runs end, or use another --data-dir',
        )
      }
      this.takeOverStale()
    }
    throw new ContractError('conflict', `${this.file}: could not take the trainer lock; try again`)
  }

  release(): void {
    if (!this.held) return
    this.held = false
    if (this.read()?.pid === process.pid) rmSync(this.file, { force: true })
  }

  private read(): LockHolder | null {
    if (!existsSync(this.file)) return null
    try {
      const parsed = Holder.safeParse(JSON.parse(readFileSync(this.file, 'utf8')))
      return parsed.success ? parsed.data : DEAD
    } catch {
      // Unreadable (a crash mid-write): it holds nothing.
      return DEAD
    }
  }

  /** Moves a dead holder's lock aside; if a live process took it in between, puts that one back. */
  private takeOverStale(): void {
    const seen = this.read()
    const aside = `${this.file}.stale-${process.pid}`
    try {
      renameSync(this.file, aside)
    } catch {
      return
    }
    let moved: LockHolder | null
    try {
      moved = Holder.parse(JSON.parse(readFileSync(aside, 'utf8')))
    } catch {
      moved = null
    }
    if (moved && seen && moved.pid !== seen.pid && alive(moved.pid)) renameSync(aside, this.file)
    else rmSync(aside, { force: true })
  }
}

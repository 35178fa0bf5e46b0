import type { Db } from './database'
import type { RunRow } from './rows'

/** Milliseconds from one ISO time to a later one; null when either is missing or they are out of order. */
export function msBetween(from: string | null, to: string | null): number | null {
  if (!from || !to) return null
  const ms = Date.parse(to) - Date.parse(from)
  return Number.isFinite(ms) && ms >= 0 ? ms : null
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Marks every `running` run whose owning process is gone as `interrupted` (a second process opening
 * the same database leaves the first one's live run alone). Its current attempt counts into the
 * wall time up to its last write. Returns the ids marked.
 */
export function markInterrupted(db: Db): string[] {
  const running = db
    .prepare("SELECT id, owner_pid, last_started_at, last_heartbeat_at, wall_time_ms FROM runs WHERE status = 'running'")
    .all() as Array<Pick<RunRow, 'id' | 'owner_pid' | 'last_started_at' | 'last_heartbeat_at' | 'wall_time_ms'>>
  const orphans = running.filter((r) => r.owner_pid === null || !processAlive(r.owner_pid))
  const mark = db.prepare(
    `UPDATE runs SET status = 'interrupted', owner_pid = NULL, last_started_at = NULL, wall_time_ms = ?,
       failure_message = 'the process recording this run stopped before it finished' WHERE id = ? AND status = 'running'`,
  )
  db.transaction(() => {
    for (const r of orphans) {
      const attempt = msBetween(r.last_started_at, r.last_heartbeat_at)
      mark.run(attempt === null ? r.wall_time_ms : (r.wall_time_ms ?? 0) + attempt, r.id)
    }
  })()
  return orphans.map((r) => r.id)
}

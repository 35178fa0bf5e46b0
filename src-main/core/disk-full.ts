import { existsSync, statfsSync } from 'node:fs'
import { dirname } from 'node:path'
import { ContractError } from '@shared/contract'

/** Error codes meaning "no space left": the OS's (a full disk, a quota) and SQLite's. */
const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'SQLITE_FULL'])

/** True when the error (or one of its causes) says the disk or the database file could not grow. */
export function isDiskFull(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code
    if (typeof code === 'string' && FULL_CODES.has(code)) return true
    // Errors relayed as text (a worker's message, tfjs' save handlers) keep only the message.
    if (/\bENOSPC\b|no space left on device|database or disk is full/i.test(e.message)) return true
  }
  return false
}

/** Bytes free to this process on the filesystem holding `path` (or its nearest existing folder), or null. */
export function freeBytes(path: string): number | null {
  let dir = path
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir)
  try {
    const s = statfsSync(dir)
    return Number(s.bavail) * Number(s.bsize)
  } catch {
    return null
  }
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(0)} KB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GB`
}

/** "the disk holding DIR is full (needed about N, M free); …": what a full disk fails with everywhere. */
export function diskFullError(dir: string, neededBytes?: number | null): ContractError {
  const free = freeBytes(dir)
  const detail = [
    ...(neededBytes ? [`needed about ${formatBytes(neededBytes)}`] : []),
    ...(free !== null ? [`${formatBytes(free)} free`] : []),
  ]
  return new ContractError(
    'failed',
    `the disk holding ${dir} is full${detail.length ? ` (${detail.join(', ')})` : ''}; free some space and try again`,
  )
}

/** The disk-full error for `error` when it is one, else `error` unchanged (for `throw mapDiskFull(…)`). */
export function mapDiskFull(error: unknown, dir: string, neededBytes?: number | null): unknown {
  if (error instanceof ContractError && /^the disk holding .* is full/.test(error.message)) return error
  return isDiskFull(error) ? diskFullError(dir, neededBytes) : error
}

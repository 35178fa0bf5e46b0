// One desktop instance per data directory. Electron's single-instance lock is keyed by its userData
// folder, so an app started on another --data-dir gets a userData folder of its own (derived from
// that directory); two windows on the same directory (one SQLite history) cannot happen, two on
// different directories can.
import { createHash } from 'node:crypto'
import { join, resolve } from 'node:path'

/** A stable key for a data directory: the same folder written differently gives the same key. */
export function instanceKey(dataDir: string, platform: NodeJS.Platform = process.platform): string {
  let path = resolve(dataDir).replace(/[\\/]+$/, '')
  // Windows and macOS file systems are case-insensitive by default.
  if (platform === 'win32' || platform === 'darwin') path = path.toLowerCase()
  return createHash('sha256').update(path).digest('hex').slice(0, 16)
}

/** Electron's userData folder for this data directory: the default one when it is the default data directory. */
export function instanceUserData(defaultUserData: string, dataDir: string, platform: NodeJS.Platform = process.platform): string {
  if (instanceKey(defaultUserData, platform) === instanceKey(dataDir, platform)) return defaultUserData
  return join(defaultUserData, 'instances', instanceKey(dataDir, platform))
}

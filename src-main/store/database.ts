import { existsSync, statSync } from 'node:fs'
import Database from 'better-sqlite3'
import { ContractError } from '@shared/contract'
import { sqliteNativeBinding } from '../core/native'
import { MIGRATIONS, SCHEMA_VERSION } from './migrations'

export type Db = Database.Database

/** The database could not be opened safely; the file on disk was left exactly as it was. */
export class StoreOpenError extends ContractError {
  constructor(
    message: string,
    readonly file: string,
  ) {
    super('failed', message)
    this.name = 'StoreOpenError'
  }
}

export interface OpenedDatabase {
  db: Db
  /** Schema version found on disk before migrating (0 for a new file). */
  previousVersion: number
  /** Copy made before migrating, or null when nothing was migrated. */
  backupFile: string | null
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, '-')
}

/**
 * Opens (or creates) the workbench database: integrity check first, before anything can write to the
 * file; then WAL, foreign keys and migrations, with a consistent copy of the file made before any
 * migration. Throws StoreOpenError and never modifies a file it refuses to open.
 */
export function openDatabase(file: string): OpenedDatabase {
  const existed = existsSync(file) && statSync(file).size > 0
  let db: Db
  try {
    const nativeBinding = sqliteNativeBinding()
    db = new Database(file, nativeBinding ? { nativeBinding } : {})
  } catch (error) {
    throw new StoreOpenError(`cannot open the run database ${file}: ${errorText(error)}`, file)
  }

  const refuse = (message: string): never => {
    try {
      db.close()
    } catch {
      // Closing a connection to a broken file may fail too; the original error is what matters.
    }
    throw new StoreOpenError(message, file)
  }

  let previousVersion = 0
  if (existed) {
    let problems: string[]
    try {
      const rows = db.pragma('integrity_check') as Array<{ integrity_check: string }>
      problems = rows.map((r) => r.integrity_check).filter((r) => r !== 'ok')
    } catch (error) {
      problems = [errorText(error)]
    }
    if (problems.length > 0) {
      refuse(
        `the run database ${file} is corrupted (integrity_check: ${problems.slice(0, 3).join('; ')}). ` +
          'It was left untouched: restore a backup copy (workbench.sqlite.v*-backup-*) or move the file aside to start a new history.',
      )
    }
    previousVersion = db.pragma('user_version', { simple: true }) as number
    if (previousVersion > SCHEMA_VERSION) {
      refuse(
        `the run database ${file} has schema version ${previousVersion}, newer than this build understands (${SCHEMA_VERSION}); ` +
          'update CIFAR Workbench or open another data directory.',
      )
    }
    if (previousVersion === 0) {
      const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }
      if (tables.n > 0)
        refuse(`${file} is an SQLite database but not a CIFAR Workbench run history (no schema version); it was left untouched.`)
    }
  }

  try {
    db.pragma('journal_mode = WAL')
    // NORMAL in WAL mode: a committed transaction survives a crash of the process (the case that
    // matters for a killed training run); only an OS crash or power loss can drop the latest commits.
    db.pragma('synchronous = NORMAL')
    db.pragma('foreign_keys = ON')
    db.pragma('busy_timeout = 5000')
  } catch (error) {
    refuse(`cannot configure the run database ${file}: ${errorText(error)}`)
  }

  let backupFile: string | null = null
  if (previousVersion < SCHEMA_VERSION) {
    if (previousVersion > 0) {
      backupFile = `${file}.v${previousVersion}-backup-${timestamp()}`
      try {
        // A consistent snapshot, WAL content included; a plain file copy could miss committed pages.
        db.prepare('VACUUM INTO ?').run(backupFile)
      } catch (error) {
        refuse(`cannot back up ${file} before migrating it (to ${backupFile}): ${errorText(error)}`)
      }
    }
    for (const migration of MIGRATIONS) {
      if (migration.version <= previousVersion) continue
      try {
        db.transaction(() => {
          db.exec(migration.sql)
          db.pragma(`user_version = ${migration.version}`)
        })()
      } catch (error) {
        refuse(
          `migrating ${file} to schema v${migration.version} (${migration.description}) failed: ${errorText(error)}; ` +
            `the database is unchanged at v${db.pragma('user_version', { simple: true }) as number}` +
            (backupFile ? ` and a copy is at ${backupFile}` : ''),
        )
      }
    }
    const violations = db.pragma('foreign_key_check') as unknown[]
    if (violations.length > 0) refuse(`after migrating ${file}: ${violations.length} foreign key violations`)
  }
  return { db, previousVersion, backupFile }
}

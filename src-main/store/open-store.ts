import { dirname } from 'node:path'
import packageJson from '../../package.json'
import { BatchPointReader } from './batch-point-reader'
import { RunBundles } from './bundles'
import { openDatabase } from './database'
import { SqliteRegistryStore, type RegistryStore } from './registry-store'
import { RunRowWriter } from './run-row-writer'
import { SqliteRunStore, type RunStore } from './run-store'

export interface StoreOptions {
  /** Artifact paths are relative to it; defaults to the database file's folder. */
  dataDir?: string
  /** Recorded on new runs and written into export bundles; defaults to package.json's version. */
  appVersion?: string
}

/** The workbench database: the run history and the registries, in one SQLite file and connection. */
export interface Store {
  readonly file: string
  readonly dataDir: string
  /** Schema version found on disk before this open migrated it (0: new file). */
  readonly previousVersion: number
  /** Copy of the database made before migrating, or null. */
  readonly backupFile: string | null
  /** Runs: lifecycle, queries, edits. */
  readonly runs: RunStore
  /** Datasets, base models, presets. */
  readonly registry: RegistryStore
  /** Export and import of runs. */
  readonly bundles: RunBundles
  close(): void
}

/** Opens the workbench database at `file` (created if missing, migrated if older; see openDatabase). */
export function openStore(file: string, opts: StoreOptions = {}): Store {
  const { db, previousVersion, backupFile } = openDatabase(file)
  const dataDir = opts.dataDir ?? dirname(file)
  const appVersion = opts.appVersion ?? packageJson.version
  const points = new BatchPointReader(db)
  const writer = new RunRowWriter(db, points)
  const runs = new SqliteRunStore(db, points, writer, dataDir, appVersion)
  return {
    file,
    dataDir,
    previousVersion,
    backupFile,
    runs,
    registry: new SqliteRegistryStore(db),
    bundles: new RunBundles(db, runs, writer, dataDir, appVersion),
    close() {
      if (db.open) db.close()
    },
  }
}

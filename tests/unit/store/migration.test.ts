import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SCHEMA_VERSION } from '../../../src-main/store/migrations'
import { openStore, StoreOpenError } from '../../../src-main/store'
import { tempDir } from '../../fixtures/store/factories'

const V1_SQL = readFileSync(join(__dirname, '../../fixtures/store/v1-database.sql'), 'utf8')
const SCRATCH = '20250102T100000-aaaaaa'
const TRANSFER = '20250103T100000-bbbbbb'

let dir: string
let file: string
beforeEach(() => {
  dir = tempDir()
  file = join(dir, 'workbench.sqlite')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

function buildV1(): void {
  const db = new Database(file)
  db.exec(V1_SQL)
  expect(db.pragma('user_version', { simple: true })).toBe(1)
  db.close()
}

describe('migrations', () => {
  it('migrates a v1 database keeping every row, after copying it', () => {
    buildV1()
    const store = openStore(file, { dataDir: dir })
    const { runs } = store
    try {
      expect(store.previousVersion).toBe(1)
      expect(store.backupFile).not.toBeNull()
      expect(existsSync(store.backupFile!)).toBe(true)
      const backup = new Database(store.backupFile!, { readonly: true })
      expect(backup.pragma('user_version', { simple: true })).toBe(1)
      expect((backup.prepare('SELECT count(*) AS n FROM epochs').get() as { n: number }).n).toBe(3)
      backup.close()

      expect(runs.listRuns({}).total).toBe(2)
      // Tags moved from the JSON column to the tag table.
      expect(runs.listRuns({ tag: 'keep' }).total).toBe(2)
      expect(runs.listRuns({ tag: 'baseline' }).items.map((r) => r.id)).toEqual([SCRATCH])

      const run = runs.getRun(SCRATCH)
      expect(run.tags).toEqual(['baseline', 'keep'])
      expect(run.notes).toBe('first v1 run')
      expect(run.epochs.map((e) => e.valAccuracy)).toEqual([0.6, 0.58])
      expect(run.batchPoints.map((p) => p.step)).toEqual([1, 2, 3])
      expect(run.evaluation?.confusionMatrix).toEqual([
        [31, 19],
        [20, 30],
      ])
      expect(run.artifacts.map((a) => a.path)).toEqual([`runs/${SCRATCH}/model/model.json`])
      expect(run.phaseTimes).toEqual({ train: 290000, evaluate: 9000 })
      expect(run.modelSummary?.totalParams).toBe(896)
      expect(run.config.training.seed).toBe(1)
      expect(store.registry.listDatasets().map((d) => d.id)).toEqual(['cifar10'])

      // A v1 run has no owner: it was left running by a process that is gone.
      expect(runs.markInterruptedRuns()).toEqual([TRANSFER])
      expect(runs.getRun(TRANSFER).epochs).toHaveLength(1)
      // New v2 tables work on the migrated file.
      runs.tagRun(TRANSFER, { add: ['migrated'] })
      expect(runs.getSummary(TRANSFER).tags).toEqual(['keep', 'migrated'])
    } finally {
      store.close()
    }
    const db = new Database(file, { readonly: true })
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    db.close()
    // Already current: no second copy.
    const again = openStore(file)
    expect(again.backupFile).toBeNull()
    expect(again.previousVersion).toBe(SCHEMA_VERSION)
    again.close()
  })

  it('creates a new database at the current version without a copy', () => {
    const store = openStore(file)
    expect(store.previousVersion).toBe(0)
    expect(store.backupFile).toBeNull()
    store.close()
    const db = new Database(file, { readonly: true })
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    db.close()
  })

  it('refuses a database from a newer version and a foreign SQLite file, leaving both untouched', () => {
    buildV1()
    const db = new Database(file)
    db.pragma('user_version = 99')
    db.close()
    const before = readFileSync(file)
    expect(() => openStore(file)).toThrow(StoreOpenError)
    expect(() => openStore(file)).toThrow(/schema version 99, newer than this build/)
    expect(readFileSync(file).equals(before)).toBe(true)

    const foreign = join(dir, 'other.sqlite')
    const other = new Database(foreign)
    other.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')
    other.close()
    expect(() => openStore(foreign)).toThrow(/not a CIFAR Workbench run history/)
  })
})

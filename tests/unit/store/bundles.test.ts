import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { BatchPoint } from '@shared/domain/run'
import { openStore, type Store } from '../../../src-main/store'
import { expectCode } from '../../fixtures/store/expect-code'
import {
  completedRun,
  epochMetric,
  evaluation,
  scratchConfig,
  startInfo,
  tempDir,
  transferConfig,
} from '../../fixtures/store/factories'

let dir: string
let otherDir: string
let source: Store
let target: Store

beforeEach(() => {
  dir = tempDir()
  otherDir = tempDir()
  source = openStore(join(dir, 'workbench.sqlite'), { dataDir: dir })
  target = openStore(join(otherDir, 'workbench.sqlite'), { dataDir: otherDir })
})
afterEach(() => {
  source.close()
  target.close()
  rmSync(dir, { recursive: true, force: true })
  rmSync(otherDir, { recursive: true, force: true })
})

/** Every row a table holds for `runId`, read straight from the database file, in a stable order. */
function rowsOf(file: string, table: string, runId: string, omit: string[] = []): Array<Record<string, unknown>> {
  const db = new Database(file, { readonly: true })
  try {
    const key = table === 'runs' ? 'id' : 'run_id'
    const rows = db.prepare(`SELECT * FROM ${table} WHERE ${key} = ?`).all(runId) as Array<Record<string, unknown>>
    const kept = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !omit.includes(k))))
    return kept.sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)))
  } finally {
    db.close()
  }
}

function touch(root: string, path: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), 'weights')
}

describe('export and import', () => {
  it('round-trips runs into another installation without duplicates', () => {
    const runs = source.runs
    const a = completedRun(runs, scratchConfig({ name: 'exported' }), [0.3, 0.5])
    runs.tagRun(a.id, { add: ['paper'] })
    runs.noteRun(a.id, 'for the report')
    const run = runs.createRun({ config: scratchConfig() })
    runs.startRun(run.id, startInfo)
    runs.appendBatchPoints(run.id, [{ phase: 'train', epoch: 1, step: 1, loss: 2, accuracy: 0.1 }])
    runs.appendEpoch(run.id, epochMetric(1, 0.2))

    const bundle = source.bundles.exportRuns([a.id, run.id])
    expect(bundle.epochCsv[a.id]!.split('\n')[0]).toBe(
      'phase,epoch,loss,accuracy,val_loss,val_accuracy,learning_rate,duration_ms,images_per_second',
    )
    expect(bundle.epochCsv[a.id]!.trim().split('\n')).toHaveLength(3)

    expect(target.bundles.importBundle(bundle)).toEqual({ imported: [a.id, run.id], skipped: [] })
    expect(target.bundles.importBundle(bundle)).toEqual({ imported: [], skipped: [a.id, run.id] })
    expect(target.runs.listRuns({}).total).toBe(2)
    const copy = target.runs.getRun(a.id)
    const original = runs.getRun(a.id)
    expect(copy.epochs).toEqual(original.epochs)
    expect(copy.evaluation).toEqual(original.evaluation)
    expect(copy.tags).toEqual(['paper'])
    expect(copy.notes).toBe('for the report')
    expect(copy.bestValAccuracy).toBe(original.bestValAccuracy)
    expect(copy.configHash).toBe(original.configHash)
    // A run that was live in the source is not live here.
    expect(target.runs.getSummary(run.id).status).toBe('interrupted')
    expect(target.runs.getRun(run.id).batchPoints).toHaveLength(1)
  })

  it('stores an imported run with the same rows as recording it live', () => {
    const runs = source.runs
    const run = runs.createRun({ config: transferConfig(7, 'recorded live'), name: 'live copy' })
    runs.startRun(run.id, startInfo)
    // Long enough that live recording widened its buckets several times; one spike to keep.
    let step = 0
    for (let epoch = 1; epoch <= 4; epoch++) {
      const phase = epoch <= 3 ? 'train' : 'finetune'
      const points: BatchPoint[] = Array.from({ length: 1500 }, () => {
        step++
        return {
          phase,
          epoch,
          step,
          loss: step === 2222 ? 40 : 1 + Math.sin(step / 90) / 5,
          accuracy: 0.4 + Math.cos(step / 70) / 10,
        }
      })
      for (let i = 0; i < points.length; i += 100) runs.appendBatchPoints(run.id, points.slice(i, i + 100))
      runs.appendEpoch(run.id, epochMetric(epoch, 0.3 + epoch / 10, phase))
    }
    runs.setPhaseTime(run.id, 'train', 1200)
    runs.setPhaseTime(run.id, 'finetune', 800)
    runs.saveEvaluation(run.id, evaluation(0.71, 4))
    const model = `runs/${run.id}/model/model.json`
    touch(dir, model)
    touch(otherDir, model)
    runs.addArtifact(run.id, {
      kind: 'model',
      path: model,
      sizeBytes: 7,
      sha256: 'c'.repeat(64),
      createdAt: '2026-01-02T03:04:05.000Z',
    })
    runs.tagRun(run.id, { add: ['b', 'a'] })
    runs.noteRun(run.id, 'notes travel too')
    runs.finishRun(run.id, 'completed')

    expect(target.bundles.importBundle(source.bundles.exportRuns([run.id])).imported).toEqual([run.id])

    const original = runs.getRun(run.id)
    const copy = target.runs.getRun(run.id)
    expect(original.batchPoints.length).toBeLessThan(step)
    expect(original.batchPoints.find((p) => p.step === 2222)?.loss).toBe(40)
    for (const key of Object.keys(original) as Array<keyof typeof original>)
      expect({ [key]: copy[key] }).toEqual({ [key]: original[key] })
    expect(Object.keys(copy).sort()).toEqual(Object.keys(original).sort())

    // Below the contract: the child tables hold identical rows, and the run row differs only in
    // when it last wrote (the import is a new write) and the live bookkeeping of its attempts.
    const [from, to] = [source.file, target.file]
    for (const table of ['epochs', 'batch_points', 'run_tags'])
      expect(rowsOf(to, table, run.id)).toEqual(rowsOf(from, table, run.id))
    // The JSON columns hold the same values (SQLite's json_set writes 1200 as 1200.0).
    const payload = (file: string) =>
      Object.entries(rowsOf(file, 'run_payloads', run.id)[0]!).map(([k, v]): [string, unknown] => [
        k,
        k === 'run_id' ? v : (JSON.parse(String(v)) as unknown),
      ])
    expect(payload(to)).toEqual(payload(from))
    expect(rowsOf(to, 'artifacts', run.id, ['id'])).toEqual(rowsOf(from, 'artifacts', run.id, ['id']))
    expect(rowsOf(to, 'evaluations', run.id, ['created_at'])).toEqual(rowsOf(from, 'evaluations', run.id, ['created_at']))
    const bookkeeping = ['last_heartbeat_at', 'last_started_at', 'owner_pid']
    expect(rowsOf(to, 'runs', run.id, bookkeeping)).toEqual(rowsOf(from, 'runs', run.id, bookkeeping))
  })

  it('keeps only the artifacts whose files this installation has', () => {
    const run = completedRun(source.runs)
    const now = new Date().toISOString()
    for (const path of ['exports/here.zip', 'exports/elsewhere.zip']) {
      touch(dir, path)
      source.runs.addArtifact(run.id, { kind: 'model', path, sizeBytes: 7, sha256: 'd'.repeat(64), createdAt: now })
    }
    touch(otherDir, 'exports/here.zip')
    target.bundles.importBundle(source.bundles.exportRuns([run.id]))
    expect(target.runs.getRun(run.id).artifacts.map((a) => a.path)).toEqual(['exports/here.zip'])
  })

  it('rejects a bundle whose CSV disagrees with its manifest, importing nothing', () => {
    const a = completedRun(source.runs, scratchConfig(), [0.3, 0.5])
    const bundle = source.bundles.exportRuns([a.id])
    source.runs.deleteRuns([a.id])
    const lines = bundle.epochCsv[a.id]!.trim().split('\n')
    const { bundles } = source
    expectCode(
      () => bundles.importBundle({ ...bundle, epochCsv: { [a.id]: lines.slice(0, 2).join('\n') } }),
      'invalid_input',
      /does not match/,
    )
    expectCode(() => bundles.importBundle({ ...bundle, epochCsv: { [a.id]: 'bad,header\n' } }), 'invalid_input', /header/)
    expect(source.runs.listRuns({}).total).toBe(0)
  })
})

import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MAX_STORED_POINTS, openStore, runDirectory, type RunStore, type Store } from '../../../src-main/store'
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
let opened: Store
let store: RunStore

beforeEach(() => {
  dir = tempDir()
  opened = openStore(join(dir, 'workbench.sqlite'), { dataDir: dir })
  store = opened.runs
})
afterEach(() => {
  opened.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('run lifecycle', () => {
  it('records a run from queued to completed with derived summary columns', () => {
    const run = store.createRun({ config: scratchConfig({ seed: 7 }) })
    expect(run.status).toBe('queued')
    expect(run.seed).toBe(7)
    expect(run.modelKind).toBe('scratch')
    expect(run.configHash).toMatch(/^[0-9a-f]{64}$/)

    const started = store.startRun(run.id, startInfo)
    expect(started.status).toBe('running')
    expect(started.totalParams).toBe(1546)
    for (const [i, v] of [0.2, 0.6, 0.5].entries()) store.appendEpoch(run.id, epochMetric(i + 1, v))
    store.setPhaseTime(run.id, 'train', 3000)
    store.saveEvaluation(run.id, evaluation(0.55))
    store.addArtifact(run.id, {
      kind: 'model',
      path: `runs/${run.id}/model/model.json`,
      sizeBytes: 10,
      sha256: 'f'.repeat(64),
      createdAt: new Date().toISOString(),
    })
    const done = store.finishRun(run.id, 'completed')

    expect(done.status).toBe('completed')
    expect(done.epochsDone).toBe(3)
    expect(done.final.valAccuracy).toBe(0.5)
    expect(done.bestValAccuracy).toBe(0.6)
    expect(done.bestEpoch).toBe(2)
    expect(done.testAccuracy).toBe(0.55)
    expect(done.imagesPerSecond).toBeCloseTo(502, 6)
    expect(done.wallTimeMs).toBeGreaterThanOrEqual(0)

    const detail = store.getRun(run.id)
    expect(detail.epochs.map((e) => e.epoch)).toEqual([1, 2, 3])
    expect(detail.evaluation?.confusionMatrix).toEqual(evaluation(0.55).confusionMatrix)
    expect(detail.phaseTimes).toEqual({ train: 3000 })
    expect(detail.sizes).toEqual(startInfo.sizes)
    expect(detail.modelSummary?.layers[0]?.name).toBe('block1_conv1')
    expect(detail.artifacts).toHaveLength(1)
    expect(detail.config.training.seed).toBe(7)
  })

  it('refuses writes that do not fit the run state, with specific errors', () => {
    const run = store.createRun({ config: scratchConfig() })
    expectCode(() => store.appendEpoch(run.id, epochMetric(1, 0.1)), 'conflict', /queued, not running/)
    store.startRun(run.id, startInfo)
    expectCode(() => store.startRun(run.id, startInfo), 'conflict')
    expectCode(() => store.appendEpoch(run.id, { ...epochMetric(1, 0.1), loss: Number.NaN }), 'invalid_input')
    expectCode(
      () => store.addArtifact(run.id, { kind: 'model', path: '../outside', sizeBytes: 1, sha256: 'x', createdAt: 'now' }),
      'invalid_input',
      /relative/,
    )
    store.finishRun(run.id, 'failed', 'out of memory')
    expect(store.getRun(run.id).failureMessage).toBe('out of memory')
    expectCode(() => store.finishRun(run.id, 'completed'), 'conflict', /already failed/)
    // Failed before any checkpoint: nothing to continue from.
    expectCode(() => store.requeueRun(run.id), 'conflict', /failed run with a checkpoint/)
    expectCode(() => store.getRun('missing'), 'not_found', /run missing not found/)
  })

  it('requeues a run that failed after a checkpoint (a lost GPU, say), to continue from it', () => {
    const run = store.createRun({ config: scratchConfig() })
    store.startRun(run.id, startInfo)
    store.appendEpoch(run.id, epochMetric(1, 0.2))
    const checkpoint = `runs/${run.id}/checkpoint`
    store.addArtifact(run.id, { kind: 'checkpoint', path: checkpoint, sizeBytes: 1, sha256: '', createdAt: 'now' })
    store.finishRun(run.id, 'failed', 'the GPU device was lost')
    expect(store.requeueRun(run.id)).toMatchObject({ status: 'queued' })
    expect(store.getRun(run.id)).toMatchObject({ failureMessage: null, epochs: [{ epoch: 1 }] })
  })

  it('requeues a cancelled run keeping its epochs, and replaces a re-run epoch', () => {
    const run = store.createRun({ config: scratchConfig() })
    store.startRun(run.id, startInfo)
    store.appendEpoch(run.id, epochMetric(1, 0.2))
    store.appendEpoch(run.id, epochMetric(2, 0.3))
    store.finishRun(run.id, 'cancelled')
    expect(store.requeueRun(run.id).status).toBe('queued')
    store.startRun(run.id, startInfo)
    store.appendEpoch(run.id, epochMetric(2, 0.35))
    store.appendEpoch(run.id, epochMetric(3, 0.4))
    const detail = store.getRun(run.id)
    expect(detail.epochs.map((e) => [e.epoch, e.valAccuracy])).toEqual([
      [1, 0.2],
      [2, 0.35],
      [3, 0.4],
    ])
    expect(detail.epochsDone).toBe(3)
  })

  it('gives seeds of one config the same hash and other configs another', () => {
    const a = store.createRun({ config: scratchConfig({ seed: 1, name: 'a' }) })
    const b = store.createRun({ config: scratchConfig({ seed: 2, name: 'b' }) })
    const c = store.createRun({ config: scratchConfig({ seed: 1, training: { learningRate: 0.01, seed: 1 } }) })
    expect(a.configHash).toBe(b.configHash)
    expect(c.configHash).not.toBe(a.configHash)
  })

  it('marks only runs whose process is gone as interrupted', () => {
    const mine = store.createRun({ config: scratchConfig() })
    store.startRun(mine.id, startInfo)
    const orphan = store.createRun({ config: scratchConfig() })
    store.startRun(orphan.id, startInfo)
    opened.close()
    // Simulate a run owned by a process that no longer exists.
    const raw = new Database(join(dir, 'workbench.sqlite'))
    raw.prepare('UPDATE runs SET owner_pid = 2147483646 WHERE id = ?').run(orphan.id)
    raw.close()
    opened = openStore(join(dir, 'workbench.sqlite'), { dataDir: dir })
    store = opened.runs
    expect(store.markInterruptedRuns()).toEqual([orphan.id])
    expect(store.getSummary(orphan.id).status).toBe('interrupted')
    expect(store.getSummary(mine.id).status).toBe('running')
  })
})

describe('batch points', () => {
  it('bounds a long run and keeps every bucket extreme', () => {
    const run = store.createRun({ config: scratchConfig() })
    store.startRun(run.id, startInfo)
    const total = 60_000
    const spikeStep = 33_333
    const dipStep = 47_001
    let step = 0
    while (step < total) {
      const batch = Array.from({ length: 250 }, () => {
        step++
        const loss = step === spikeStep ? 50 : 1 + Math.sin(step / 500) * 0.1
        const accuracy = step === dipStep ? 0.001 : 0.5 + Math.cos(step / 700) * 0.1
        return { phase: 'train' as const, epoch: 1 + Math.floor(step / 1000), step, loss, accuracy }
      })
      store.appendBatchPoints(run.id, batch)
    }
    const points = store.getRun(run.id).batchPoints
    expect(points.length).toBeLessThanOrEqual(MAX_STORED_POINTS)
    expect(points.length).toBeGreaterThan(MAX_STORED_POINTS / 4)
    expect(points.map((p) => p.step)).toEqual([...points.map((p) => p.step)].sort((a, b) => a - b))
    expect(points.find((p) => p.step === spikeStep)?.loss).toBe(50)
    expect(points.find((p) => p.step === dipStep)?.accuracy).toBe(0.001)
    expect(points.at(-1)?.step).toBe(total)
    expect(Math.min(...points.map((p) => p.loss))).toBeCloseTo(0.9, 3)
  })

  it('keeps short runs point for point', () => {
    const run = store.createRun({ config: scratchConfig() })
    store.startRun(run.id, startInfo)
    for (let s = 1; s <= 300; s++)
      store.appendBatchPoints(run.id, [{ phase: 'train', epoch: 1, step: s, loss: 1 / s, accuracy: s / 300 }])
    expect(store.getRun(run.id).batchPoints).toHaveLength(300)
  })
})

describe('queries', () => {
  it('filters by status, model kind, tag and text, sorts and paginates', () => {
    const a = completedRun(store, scratchConfig({ name: 'Alpha conv' }), [0.3, 0.6], 0.61)
    const b = completedRun(store, transferConfig(1, 'Beta mobilenet'), [0.7, 0.8], 0.82)
    const c = store.createRun({ config: scratchConfig({ name: 'Gamma 100%_done' }) })
    const d = completedRun(store, scratchConfig({ name: 'Delta' }), [0.2], null)
    store.tagRun(a.id, { add: ['baseline', 'keep'] })
    store.tagRun(b.id, { add: ['keep'] })
    store.noteRun(d.id, 'Looks OVERFIT after epoch 3')

    const ids = (q: Parameters<RunStore['listRuns']>[0]) => store.listRuns(q).items.map((r) => r.id)
    expect(store.listRuns({}).total).toBe(4)
    expect(ids({ status: ['queued'] })).toEqual([c.id])
    expect(ids({ modelKind: 'transfer' })).toEqual([b.id])
    expect(new Set(ids({ tag: 'keep' }))).toEqual(new Set([a.id, b.id]))
    expect(ids({ text: 'overfit' })).toEqual([d.id])
    expect(ids({ text: 'alpha' })).toEqual([a.id])
    // LIKE wildcards in the search text are literal characters.
    expect(ids({ text: '100%_' })).toEqual([c.id])
    expect(ids({ text: '%' })).toEqual([c.id])
    // Sorting by a metric puts runs without it last, in both directions.
    expect(ids({ sortBy: 'testAccuracy', sortDir: 'desc' })).toEqual([b.id, a.id, expect.any(String), expect.any(String)])
    expect(ids({ sortBy: 'testAccuracy', sortDir: 'asc' }).slice(0, 2)).toEqual([a.id, b.id])
    expect(ids({ sortBy: 'name', sortDir: 'asc' })).toEqual([a.id, b.id, d.id, c.id])
    expect(ids({ sortBy: 'bestValAccuracy', sortDir: 'desc' })).toEqual([b.id, a.id, d.id, c.id])
    const page1 = store.listRuns({ sortBy: 'name', sortDir: 'asc', limit: 2, offset: 0 })
    const page2 = store.listRuns({ sortBy: 'name', sortDir: 'asc', limit: 2, offset: 2 })
    expect(page1.total).toBe(4)
    expect([...page1.items, ...page2.items].map((r) => r.id)).toEqual([a.id, b.id, d.id, c.id])
    expect(page1.items[0]!.tags).toEqual(['baseline', 'keep'])
    expectCode(() => store.listRuns({ limit: 0 }), 'invalid_input')
  })

  it('loads several runs in full in the order asked', () => {
    const a = completedRun(store, scratchConfig({ name: 'a' }), [0.1, 0.2])
    const b = completedRun(store, scratchConfig({ name: 'b' }), [0.3])
    const runs = store.compareRuns([b.id, a.id])
    expect(runs.map((r) => r.id)).toEqual([b.id, a.id])
    expect(runs[1]!.epochs).toHaveLength(2)
    expect(runs[0]!.evaluation?.accuracy).toBe(0.45)
    expectCode(() => store.compareRuns([a.id, 'nope']), 'not_found', /nope/)
  })

  it('groups seeds of one experiment with mean, sample std and per-epoch bands', () => {
    const r1 = completedRun(store, scratchConfig({ seed: 1, name: 'exp' }), [0.2, 0.4], 0.5)
    const r2 = completedRun(store, scratchConfig({ seed: 2, name: 'exp' }), [0.4, 0.6], 0.7)
    const r3 = completedRun(store, scratchConfig({ seed: 3, name: 'exp' }), [0.3, 0.8], 0.9)
    const unfinished = store.createRun({ config: scratchConfig({ seed: 4, name: 'exp' }) })
    const other = completedRun(store, transferConfig(1), [0.9], 0.9)

    const groups = store.groupRuns()
    expect(groups).toHaveLength(2)
    const g = groups.find((x) => x.runIds.includes(r1.id))!
    expect(g.runIds).toEqual([r1.id, r2.id, r3.id, unfinished.id])
    expect(g.count).toBe(4)
    expect(g.name).toBe('exp')
    expect(g.stats.testAccuracy!.n).toBe(3)
    expect(g.stats.testAccuracy!.mean).toBeCloseTo(0.7, 12)
    expect(g.stats.testAccuracy!.std).toBeCloseTo(0.2, 12) // sample std of 0.5, 0.7, 0.9
    expect(g.stats.finalValAccuracy!.mean).toBeCloseTo(0.6, 12)
    expect(g.stats.finalValAccuracy!.std).toBeCloseTo(0.2, 12)
    expect(g.epochBands).toHaveLength(2)
    expect(g.epochBands[0]!.valAccuracyMean).toBeCloseTo(0.3, 12)
    expect(g.epochBands[0]!.valAccuracyStd).toBeCloseTo(0.1, 12)
    expect(g.epochBands[1]!.valLossMean).toBeCloseTo(0.4, 12)

    const only = store.groupRuns([r1.id, other.id])
    expect(only.map((x) => x.count).sort()).toEqual([1, 1])
    expect(only.find((x) => x.runIds[0] === r1.id)!.stats.testAccuracy).toEqual({ mean: 0.5, std: 0, n: 1 })
  })

  it('tags, notes and renames', () => {
    const run = completedRun(store)
    expect(store.tagRun(run.id, { add: [' best ', 'cpu', 'best'] }).tags).toEqual(['best', 'cpu'])
    expect(store.tagRun(run.id, { remove: ['cpu'] }).tags).toEqual(['best'])
    store.noteRun(run.id, 'first try')
    expect(store.getRun(run.id).notes).toBe('first try')
    expect(store.renameRun(run.id, '  renamed ').name).toBe('renamed')
    expectCode(() => store.renameRun(run.id, '  '), 'invalid_input')
  })
})

describe('delete', () => {
  it('deletes runs with their rows and artifact files, and refuses a running run', () => {
    const keep = completedRun(store)
    const gone = completedRun(store)
    const runDir = runDirectory(dir, gone.id)
    mkdirSync(join(runDir, 'model'), { recursive: true })
    writeFileSync(join(runDir, 'model', 'model.json'), '{}')
    mkdirSync(join(dir, 'exports'), { recursive: true })
    writeFileSync(join(dir, 'exports', 'gone.zip'), 'zip')
    const now = new Date().toISOString()
    store.addArtifact(gone.id, { kind: 'model', path: `runs/${gone.id}/model`, sizeBytes: 2, sha256: 'a', createdAt: now })
    store.addArtifact(gone.id, { kind: 'model', path: 'exports/gone.zip', sizeBytes: 3, sha256: 'b', createdAt: now })
    writeFileSync(join(dir, 'exports', 'other.zip'), 'zip')

    expect(store.deleteRuns([gone.id])).toBe(1)
    expect(existsSync(runDir)).toBe(false)
    expect(existsSync(join(dir, 'exports', 'gone.zip'))).toBe(false)
    expect(existsSync(join(dir, 'exports', 'other.zip'))).toBe(true)
    expectCode(() => store.getRun(gone.id), 'not_found')
    expect(store.listRuns({}).items.map((r) => r.id)).toEqual([keep.id])

    const live = store.createRun({ config: scratchConfig() })
    store.startRun(live.id, startInfo)
    expectCode(() => store.deleteRuns([live.id]), 'conflict', /running/)
    expectCode(() => store.deleteRuns(['nope']), 'not_found')
  })
})

import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { PhaseParams } from '@shared/domain/run'
import { openStore } from '../../../src-main/store'
import { expectCode } from '../../fixtures/store/expect-code'
import { completedRun, epochMetric, scratchConfig, startInfo, tempDir, transferConfig } from '../../fixtures/store/factories'

const frozen: PhaseParams = {
  phase: 'train',
  trainableParams: 330_000,
  frozenParams: 2_200_000,
  unfrozenLayers: 0,
  firstUnfrozenLayer: null,
}
const tuned: PhaseParams = {
  phase: 'finetune',
  trainableParams: 1_100_000,
  frozenParams: 1_430_000,
  unfrozenLayers: 7,
  firstUnfrozenLayer: 'block_15_expand',
}

let dir: string
beforeEach(() => {
  dir = tempDir()
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

describe('the parameters each phase trained, in the run store', () => {
  it('records each phase once (a resumed phase replaces its counts), in phase order, and bundles carry them', () => {
    const store = openStore(join(dir, 'workbench.sqlite'), { dataDir: dir })
    const { runs } = store
    const run = runs.createRun({ config: transferConfig() })
    expect(runs.getRun(run.id).phaseParams).toEqual([])
    runs.startRun(run.id, startInfo)
    runs.setPhaseParams(run.id, tuned)
    runs.setPhaseParams(run.id, { ...frozen, trainableParams: 1 })
    runs.setPhaseParams(run.id, frozen)
    runs.appendEpoch(run.id, epochMetric(1, 0.5))
    runs.finishRun(run.id, 'completed')
    expect(runs.getRun(run.id).phaseParams).toEqual([frozen, tuned])

    const target = openStore(join(dir, 'other.sqlite'), { dataDir: dir })
    target.bundles.importBundle(store.bundles.exportRuns([run.id]))
    expect(target.runs.getRun(run.id).phaseParams).toEqual([frozen, tuned])
    target.close()
    store.close()
  })

  it('refuses counts that are not whole and non-negative, and keeps what it had', () => {
    const store = openStore(join(dir, 'workbench.sqlite'), { dataDir: dir })
    const run = store.runs.createRun({ config: transferConfig() })
    store.runs.setPhaseParams(run.id, frozen)
    expectCode(() => store.runs.setPhaseParams(run.id, { ...tuned, frozenParams: -1 }), 'invalid_input', /phase parameters/)
    expectCode(() => store.runs.setPhaseParams('nope', frozen), 'not_found')
    expect(store.runs.getRun(run.id).phaseParams).toEqual([frozen])
    store.close()
  })

  it('a database from before the column gets an empty list per run', () => {
    const file = join(dir, 'workbench.sqlite')
    const db = new Database(file)
    db.exec(readFileSync(join(__dirname, '../../fixtures/store/v1-database.sql'), 'utf8'))
    db.close()
    const store = openStore(file, { dataDir: dir })
    const ids = store.runs.listRuns({}).items.map((r) => r.id)
    expect(ids.length).toBeGreaterThan(0)
    for (const id of ids) expect(store.runs.getRun(id).phaseParams).toEqual([])
    store.close()
  })
})

describe('the input sizes of the completed transfer runs on a base', () => {
  it('lists each with its size and test accuracy; other bases, datasets, unfinished or unevaluated runs are left out', () => {
    const store = openStore(join(dir, 'workbench.sqlite'), { dataDir: dir })
    const { runs } = store
    const sized = (inputSize: number, over: { baseId?: string; datasetId?: string } = {}) => {
      const c = transferConfig()
      return {
        ...c,
        data: { ...c.data, datasetId: over.datasetId ?? c.data.datasetId },
        model: { ...c.model, inputSize, baseId: over.baseId ?? 'mobilenetv2-imagenet' } as typeof c.model,
      }
    }
    const small = completedRun(runs, sized(32), [0.5], 0.61)
    const large = completedRun(runs, sized(96), [0.7], 0.8)
    completedRun(runs, sized(32, { baseId: 'squeezenet1.1-imagenet' }), [0.5], 0.55)
    const other = completedRun(runs, sized(64, { datasetId: 'other' }), [0.5], 0.7)
    completedRun(runs, sized(96), [0.5], null)
    completedRun(runs, scratchConfig(), [0.5], 0.6)
    runs.createRun({ config: sized(160) })

    const all = runs.sizedRuns('mobilenetv2-imagenet')
    expect(new Set(all.map((r) => r.id))).toEqual(new Set([small.id, large.id, other.id]))
    expect(all.find((r) => r.id === small.id)).toEqual({
      id: small.id,
      name: small.name,
      datasetId: 'cifar10',
      inputSize: 32,
      testAccuracy: 0.61,
    })
    expect(
      runs
        .sizedRuns('mobilenetv2-imagenet', 'cifar10')
        .map((r) => r.inputSize)
        .sort(),
    ).toEqual([32, 96])
    expect(runs.sizedRuns('nope')).toEqual([])
    store.close()
  })
})

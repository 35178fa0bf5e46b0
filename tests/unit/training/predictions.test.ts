import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import type { RunDetail } from '@shared/domain/run'
import type { CompareStats } from '@shared/stats'
import { createCore } from '../../../src-main/core/compose'
import type { Core } from '../../../src-main/core/core'
import {
  correctness,
  decodePredictions,
  predictedClasses,
  PREDICTIONS_FILE,
} from '../../../src-main/engine/evaluation/predictions'
import { runCli } from '../support/cli'
import { tempDir, writeCifarBinary } from '../data/fixtures'
import { waitFinal } from '../../support/runs'

/**
 * Runs trained for real (tiny CNNs, in the training worker) on a generated CIFAR-10 binary dataset:
 * each keeps its per-image predictions; compare.stats reads them, and re-evaluates a run whose file
 * is gone from its saved model, in a worker, to the same predictions.
 */
describe('per-image predictions of real runs, and compare.stats over them', () => {
  const N = 40 // per batch file: 200 training images, 40 test images
  let work: string
  let dataDir: string
  let core: Core
  let a: RunDetail
  let b: RunDetail
  let subset: RunDetail
  const file = (run: RunDetail) => join(dataDir, 'runs', run.id, PREDICTIONS_FILE)

  beforeAll(async () => {
    work = tempDir('cwb-predictions-')
    dataDir = join(work, 'data')
    mkdirSync(dataDir, { recursive: true })
    core = await createCore({ dataDir, shell: 'cli' })
    const dataset = await core.call('datasets.import', { path: writeCifarBinary(work, N), name: 'generated' })
    const config = (name: string, testSubset: number | null) =>
      ExperimentConfig.parse({
        name,
        data: { datasetId: dataset.id, validationSplit: 0.2, testSubset },
        model: { kind: 'scratch', filters: [4, 8], denseUnits: 16 },
        training: { epochs: 2, batchSize: 20, seed: 1 },
      })
    const pair = await core.call('training.start', { config: config('tiny cnn', null), seeds: [1, 2] })
    const other = await core.call('training.start', { config: config('tiny cnn on a subset', 20) })
    ;[a, b, subset] = (await Promise.all([...pair.runIds, ...other.runIds].map((id) => waitFinal(core, id)))) as [
      RunDetail,
      RunDetail,
      RunDetail,
    ]
    for (const run of [a, b, subset]) expect(run.status, run.failureMessage ?? '').toBe('completed')
  }, 300_000)
  afterAll(async () => {
    await core?.close()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('every run writes its test predictions, and they give exactly its evaluation', () => {
    for (const run of [a, b, subset]) {
      const p = decodePredictions(readFileSync(file(run)), file(run))
      expect(p.count).toBe(run.sizes!.test)
      expect(p.numClasses).toBe(10)
      expect(p.k).toBe(3)
      const predicted = predictedClasses(p)
      const matrix = Array.from({ length: 10 }, () => new Array<number>(10).fill(0))
      for (let i = 0; i < p.count; i++) matrix[p.labels[i]!]![predicted[i]!]! += 1
      expect(matrix).toEqual(run.evaluation!.confusionMatrix)
      expect(correctness(p).reduce((s, v) => s + v, 0) / p.count).toBe(run.evaluation!.accuracy)
      for (let i = 0; i < p.count; i++) {
        // Top-k sorted, and their probabilities a valid part of a softmax.
        expect(p.topProbs[i * 3]!).toBeGreaterThanOrEqual(p.topProbs[i * 3 + 1]!)
        expect(p.topProbs[i * 3 + 1]!).toBeGreaterThanOrEqual(p.topProbs[i * 3 + 2]!)
        expect(p.topProbs[i * 3]! + p.topProbs[i * 3 + 1]! + p.topProbs[i * 3 + 2]!).toBeLessThanOrEqual(1 + 3 / 65535)
      }
      // The most confident mistakes of the evaluation are among the file's wrong predictions.
      const byIndex = new Map(Array.from(p.datasetIndices, (d, i) => [d, i]))
      for (const m of run.evaluation!.mistakes) {
        const i = byIndex.get(m.index)!
        expect(predicted[i]).toBe(m.predictedLabel)
        expect(p.labels[i]).toBe(m.trueLabel)
        expect(Math.abs(p.topProbs[i * 3]! - m.confidence)).toBeLessThan(1e-4)
      }
    }
    const all = decodePredictions(readFileSync(file(a)))
    expect(Array.from(all.datasetIndices)).toEqual(Array.from({ length: N }, (_, i) => i))
  })

  let stored: CompareStats
  it('compare.stats pairs two runs on the same test images and reports the McNemar table', async () => {
    stored = await core.call('compare.stats', { ids: [a.id, b.id] })
    expect(stored.runs.map((r) => r.predictions)).toEqual(['stored', 'stored'])
    const pair = stored.pair!
    if (!pair.paired) throw new Error(`expected a paired comparison, got ${pair.reason}`)
    expect(pair.images).toBe(N)
    expect(pair.accuracyA).toBe(a.testAccuracy)
    expect(pair.accuracyB).toBe(b.testAccuracy)
    const d = pair.discordance
    expect(d.both + d.onlyA + d.onlyB + d.neither).toBe(N)
    expect(pair.bootstrap.low).toBeLessThanOrEqual(pair.difference)
    expect(pair.bootstrap.high).toBeGreaterThanOrEqual(pair.difference)
    // Both seeds are one config: one group of two.
    expect(stored.groups).toHaveLength(1)
    expect(stored.groups[0]).toMatchObject({ n: 2, runIds: [a.id, b.id] })
    expect(stored.sentence).toMatch(/on 40 paired test images(\.|\)\.)$/)
  })

  it('an old run without its file is re-evaluated from its saved model to the same predictions', async () => {
    const before = decodePredictions(readFileSync(file(a)))
    rmSync(file(a))
    const again = await core.call('compare.stats', { ids: [a.id, b.id] })
    expect(again.runs.map((r) => r.predictions)).toEqual(['reevaluated', 'stored'])
    expect(again.pair).toEqual(stored.pair)
    expect(again.sentence).toBe(stored.sentence)
    expect(existsSync(file(a))).toBe(true)
    const after = decodePredictions(readFileSync(file(a)))
    expect(Array.from(after.datasetIndices)).toEqual(Array.from(before.datasetIndices))
    expect(Array.from(after.topClasses)).toEqual(Array.from(before.topClasses))
    after.topProbs.forEach((v, i) => expect(Math.abs(v - before.topProbs[i]!)).toBeLessThan(1e-4))
    const third = await core.call('compare.stats', { ids: [a.id, b.id] })
    expect(third.runs[0]!.predictions).toBe('stored')
  }, 120_000)

  it('says so when two runs were not tested on the same images', async () => {
    const s = await core.call('compare.stats', { ids: [a.id, subset.id] })
    expect(s.pair).toMatchObject({ paired: false, reason: 'different-images' })
    expect(s.sentence).toMatch(/were not tested on the same images \(different test subsets\), so no paired test applies/)
    expect(s.groups.map((g) => g.n)).toEqual([1, 1])
    expect(s.groupComparison).toMatchObject({ welch: null, seedsNeeded: null })
  })

  it('a corrupt predictions file is reported, not silently replaced', async () => {
    const bytes = readFileSync(file(b))
    writeFileSync(file(b), bytes.subarray(0, bytes.length - 7))
    try {
      const s = await core.call('compare.stats', { ids: [a.id, b.id] })
      expect(s.pair).toMatchObject({ paired: false, reason: 'no-predictions', reasonRun: b.id })
      expect(s.runs[1]!.missingReason).toMatch(/predictions\.bin: \d+ bytes, expected \d+ .*\(truncated or corrupt\)/)
    } finally {
      writeFileSync(file(b), bytes)
    }
  })

  it('cifar-workbench compare ID ID --stats prints the same numbers, as text and as JSON', async () => {
    await core.close()
    try {
      const json = await runCli(dataDir, 'compare', a.id, b.id, '--stats', '--json')
      expect(json.stderr).toBe('')
      expect(json.code).toBe(0)
      const out = JSON.parse(json.stdout) as { stats: CompareStats }
      expect(out.stats.pair).toEqual(stored.pair)
      expect(out.stats.sentence).toBe(stored.sentence)
      const text = await runCli(dataDir, 'compare', a.id, b.id, '--stats')
      expect(text.code).toBe(0)
      expect(text.stdout.split('\n')[0]).toBe(stored.sentence)
      expect(text.stdout).toContain(`exact McNemar p = `)
      expect(text.stdout).toContain(`on ${N} test images`)
      const one = await runCli(dataDir, 'compare', a.id, '--stats')
      expect(one.code).toBe(2)
      expect(one.stderr).toContain('--stats needs at least two run ids')
    } finally {
      core = await createCore({ dataDir, shell: 'cli' })
    }
  }, 60_000)
})

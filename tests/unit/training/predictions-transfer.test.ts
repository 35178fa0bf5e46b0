import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig, type ExperimentConfigInput } from '@shared/domain/config'
import type { RunDetail } from '@shared/domain/run'
import { decodePredictions, PREDICTIONS_FILE } from '../../../src-main/engine/evaluation/predictions'
import { missingShared } from '../../support/shared-data'
import { CIFAR_ARCHIVE, MOBILENET } from './fixtures'
import { makeWorkspace, type Workspace } from './workspace'

const noShared = missingShared('the transfer predictions test on real CIFAR-10 and MobileNetV2', CIFAR_ARCHIVE, MOBILENET)

/**
 * A MobileNetV2 transfer run evaluates on cached base features; re-evaluating it later runs the saved
 * full model on pixels with the base's own preprocessing. Both must give the same predictions, or
 * statistics on old transfer runs would be computed on a different model.
 */
describe.skipIf(noShared !== null)(
  'predictions of a transfer run, kept and re-evaluated (real CIFAR-10 subset, MobileNetV2)',
  () => {
    let ws: Workspace
    let transfer: RunDetail
    let scratch: RunDetail

    async function train(model: ExperimentConfigInput['model'], name: string): Promise<RunDetail> {
      const config = ExperimentConfig.parse({
        name,
        data: { datasetId: ws.dataset.id, validationSplit: 0.2 },
        model,
        training: { epochs: 1, batchSize: 16, seed: 3 },
      })
      const { runIds } = await ws.core.call('training.start', { config })
      for (;;) {
        const run = await ws.core.call('runs.get', { id: runIds[0]! })
        if (run.status !== 'queued' && run.status !== 'running') return run
        await new Promise((r) => setTimeout(r, 100))
      }
    }

    beforeAll(async () => {
      ws = await makeWorkspace({ real: { train: 10, test: 4 } })
      transfer = await train({ kind: 'transfer', baseId: ws.base.id, inputSize: 32, headDropout: 0 }, 'transfer')
      scratch = await train({ kind: 'scratch', filters: [8, 8], denseUnits: 16 }, 'scratch')
      for (const run of [transfer, scratch]) expect(run.status, run.failureMessage ?? '').toBe('completed')
    }, 300_000)
    afterAll(async () => ws?.dispose())

    it('re-evaluating the saved transfer model reproduces the predictions made on cached features', async () => {
      const file = join(ws.dir, 'runs', transfer.id, PREDICTIONS_FILE)
      const kept = decodePredictions(readFileSync(file))
      expect(kept.count).toBe(40)
      const first = await ws.core.call('compare.stats', { ids: [transfer.id, scratch.id] })
      expect(first.pair?.paired).toBe(true)
      rmSync(file)
      const again = await ws.core.call('compare.stats', { ids: [transfer.id, scratch.id] })
      expect(again.runs[0]!.predictions).toBe('reevaluated')
      expect(again.pair).toEqual(first.pair)
      const redone = decodePredictions(readFileSync(file))
      expect(Array.from(redone.topClasses.filter((_, i) => i % 3 === 0))).toEqual(
        Array.from(kept.topClasses.filter((_, i) => i % 3 === 0)),
      )
      redone.topProbs.forEach((v, i) => expect(Math.abs(v - kept.topProbs[i]!), `probability ${i}`).toBeLessThan(1e-3))
    }, 180_000)
  },
)

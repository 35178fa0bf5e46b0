import type { z } from 'zod'
import { ContractError } from '@shared/contract/define'
import type { RunDetail } from '@shared/domain/run'
import {
  confusionCellImages,
  flippedImages,
  samePredictedImages,
  type CellImages,
  type CellImagesRequest,
  type Flips,
  type FlipsRequest,
} from '@shared/stats'
import type { RunPredictions } from '../engine/evaluation/predictions'
import type { PredictionsService, PredictionsSource } from './predictions-service'

/** A run's predictions, or a `failed` error saying why it has none. */
async function predictionsOf(predictions: PredictionsService, id: string): Promise<RunPredictions> {
  const result = await predictions.get(id)
  if (!result.ok) throw new ContractError('failed', `no per-image predictions for run ${id}: ${result.reason}`)
  return result.predictions
}

function classNamesOf(run: RunDetail, numClasses: number): string[] {
  const names = run.evaluation?.classNames ?? []
  return names.length === numClasses ? names : Array.from({ length: numClasses }, (_, c) => String(c))
}

function checkClass(c: number | null, numClasses: number, what: string): void {
  if (c !== null && c >= numClasses)
    throw new ContractError('invalid_input', `${what} ${c} is not one of the ${numClasses} classes (0 to ${numClasses - 1})`)
}

/** `compare.flips`: the test images one run gets right and the other wrong, both directions. */
export async function compareFlips(
  store: PredictionsSource,
  predictions: PredictionsService,
  req: z.output<typeof FlipsRequest>,
): Promise<Flips> {
  const [ra, rb] = [store.getRun(req.a), store.getRun(req.b)]
  if (ra.config.data.datasetId !== rb.config.data.datasetId)
    throw new ContractError('failed', `runs ${ra.id} and ${rb.id} were tested on different datasets`)
  const [pa, pb] = await Promise.all([predictionsOf(predictions, ra.id), predictionsOf(predictions, rb.id)])
  if (!samePredictedImages(pa, pb))
    throw new ContractError('failed', `runs ${ra.id} and ${rb.id} were not evaluated on the same test images`)
  checkClass(req.trueClass, pa.numClasses, 'true class')
  return {
    a: ra.id,
    b: rb.id,
    classNames: classNamesOf(ra, pa.numClasses),
    ...flippedImages(pa, pb, { trueClass: req.trueClass, limit: req.limit }),
  }
}

/** `compare.cellImages`: the test images in one cell of a run's confusion matrix. */
export async function compareCellImages(
  store: PredictionsSource,
  predictions: PredictionsService,
  req: z.output<typeof CellImagesRequest>,
): Promise<CellImages> {
  const run = store.getRun(req.id)
  const p = await predictionsOf(predictions, run.id)
  checkClass(req.trueClass, p.numClasses, 'true class')
  checkClass(req.predicted, p.numClasses, 'predicted class')
  return {
    id: run.id,
    classNames: classNamesOf(run, p.numClasses),
    trueClass: req.trueClass,
    predicted: req.predicted,
    cell: confusionCellImages(p, req.trueClass, req.predicted, req.limit),
  }
}

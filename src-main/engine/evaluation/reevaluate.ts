import { join } from 'node:path'
import { z } from 'zod'
import { BackendName, ExperimentConfig } from '@shared/domain/config'
import { DatasetInfo } from '@shared/domain/dataset'
import { Evaluation } from '@shared/domain/run'
import { Preprocessing } from '@shared/domain/model'
import { loadDatasetFromCache, makeSplits } from '../../data'
import { initBackend } from '../backend'
import { loadTfjsFolder } from '../architectures'
import { modelForward } from '../training/forward'
import { PixelSplit } from '../training/sources'
import { evaluateWithPredictions } from './evaluate'
import { writePredictionsFile } from './predictions'
import { BackendForcedBy, whereForced } from '../backend/forced'

/** Predicting an old run's test split again from its exported model (runs from before predictions were kept). */
export const ReevaluateJob = z.object({
  runId: z.string().min(1),
  dataDir: z.string().min(1),
  /** The run's exported LayersModel folder (absolute). */
  modelDir: z.string().min(1),
  config: ExperimentConfig,
  dataset: DatasetInfo,
  /** What the model's input expects: 'unit' for scratch CNNs, the base's for transfer runs. */
  preprocessing: Preprocessing,
  backend: BackendName.nullable(),
  backendForcedBy: BackendForcedBy.nullable().default(null),
})
export type ReevaluateJob = z.infer<typeof ReevaluateJob>

export const ReevaluateMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('done'), evaluation: Evaluation, predictionsPath: z.string() }),
  z.object({ type: z.literal('failed'), message: z.string() }),
])
export type ReevaluateMessage = z.infer<typeof ReevaluateMessage>

/**
 * Rebuilds the run's test split exactly as training did (same dataset cache, same split options),
 * predicts it with the saved model and writes the predictions file. Runs in a worker thread.
 */
export async function reevaluateRun(job: ReevaluateJob): Promise<{ evaluation: Evaluation; predictionsPath: string }> {
  await initBackend(job.backend).catch((error: unknown) => {
    throw whereForced(error, job.backendForcedBy)
  })
  const dataset = await loadDatasetFromCache(job.dataDir, job.dataset)
  const { info } = dataset
  const splits = makeSplits(dataset.train.labels, dataset.test.labels, job.config.data, info.classNames.length)
  const model = await loadTfjsFolder(job.modelDir)
  try {
    const inputShape = model.inputs[0]!.shape
    const inputSize = inputShape[1]
    if (typeof inputSize !== 'number' || inputShape[2] !== inputSize) {
      throw new Error(`${job.modelDir}: the model's input [${inputShape.join(', ')}] is not a square image`)
    }
    const split = new PixelSplit({
      images: dataset.test.images,
      labels: dataset.test.labels,
      height: info.imageSize.height,
      width: info.imageSize.width,
      indices: splits.test,
      preprocessing: job.preprocessing,
      inputSize,
    })
    const { evaluation, predictions } = await evaluateWithPredictions({
      forward: modelForward(model),
      split,
      datasetIndices: splits.test,
      classNames: info.classNames,
      batchSize: 128,
      epochs: [],
    })
    const predictionsPath = await writePredictionsFile(join(job.dataDir, 'runs', job.runId), predictions)
    return { evaluation, predictionsPath }
  } finally {
    model.dispose()
  }
}

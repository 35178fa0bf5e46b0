import { readFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { z } from 'zod'
import { ExplainResult, ExportModelResult, ModelFormat, PredictResult } from '@shared/contract/inference-methods'
import { BackendName } from '@shared/domain/config'
import { DatasetInfo } from '@shared/domain/dataset'
import { Preprocessing } from '@shared/domain/model'
import { mapDiskFull } from '../../core/disk-full'
import { initBackend } from '../backend'
import { loadTfjsFolder } from '../architectures'
import { exportModel } from '../export'
import { predictImages, type ImageInput } from './predict'
import { describeRecipe } from './prepare-image'
import { explainImage } from './explain'

/** What a run's saved model needs to be exported or to predict: the main thread reads it from the store. */
export const ModelContext = z.object({
  runId: z.string(),
  runName: z.string(),
  /** The run's tfjs LayersModel folder (absolute). */
  modelDir: z.string(),
  classNames: z.array(z.string()).min(2),
  preprocessing: Preprocessing,
  imageSize: z.number().int().min(1),
  inputSize: z.number().int().min(1),
  appVersion: z.string(),
})
export type ModelContext = z.infer<typeof ModelContext>

export const InferenceJob = z.object({
  backend: BackendName.nullable(),
  context: ModelContext,
  task: z.discriminatedUnion('type', [
    z.object({ type: z.literal('export'), format: ModelFormat, out: z.string().min(1) }),
    z.object({
      type: z.literal('predict'),
      topK: z.number().int().min(1),
      images: z.array(z.object({ name: z.string(), path: z.string().optional(), bytes: z.instanceof(Uint8Array).optional() })),
    }),
    z.object({
      type: z.literal('explain'),
      image: z.union([
        z.object({ datasetIndex: z.number().int().min(0), dataDir: z.string(), dataset: DatasetInfo }),
        z.object({ path: z.string().min(1) }),
        z.object({ name: z.string().min(1), bytes: z.instanceof(Uint8Array) }),
      ]),
      classIndex: z.number().int().min(0).optional(),
      layer: z.string().min(1).optional(),
    }),
  ]),
})
export type InferenceJob = z.infer<typeof InferenceJob>

export const InferenceReply = z.union([
  z.object({ ok: z.literal(true), export: ExportModelResult }),
  z.object({ ok: z.literal(true), predict: PredictResult }),
  z.object({ ok: z.literal(true), explain: ExplainResult }),
  z.object({ ok: z.literal(false), error: z.string() }),
])
export type InferenceReply = z.infer<typeof InferenceReply>

async function readInput(image: { name: string; path?: string; bytes?: Uint8Array }): Promise<ImageInput> {
  if (image.bytes) return { name: image.name, bytes: image.bytes }
  try {
    return { name: image.name, bytes: new Uint8Array(await readFile(image.path!)) }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    return {
      name: image.name,
      bytes: {
        error:
          code === 'ENOENT' ? 'file not found' : code === 'EISDIR' ? 'a folder, not an image file' : (error as Error).message,
      },
    }
  }
}

/** One export, prediction or Grad-CAM with a run's saved model, in whatever thread calls it (the inference worker). */
export async function runInferenceJob(job: InferenceJob): Promise<InferenceReply> {
  try {
    // Grad-CAM and the exporters read tensors synchronously, which webgpu cannot do in Node; one model
    // and a few images need no GPU, so this worker computes on the first other backend.
    await initBackend(job.backend === 'webgpu' ? null : job.backend, { exclude: ['webgpu'] })
    const ctx = job.context
    const model = await loadTfjsFolder(ctx.modelDir)
    try {
      const recipe = { imageSize: ctx.imageSize, inputSize: ctx.inputSize, preprocessing: ctx.preprocessing }
      if (job.task.type === 'export') {
        const out = job.task.out
        const result = await exportModel(model, job.task.format, out, { ...ctx }).catch((error: unknown) => {
          throw mapDiskFull(error, dirname(out))
        })
        return { ok: true, export: result }
      }
      if (job.task.type === 'explain') {
        const { image, classIndex, layer } = job.task
        const explain = await explainImage(model, image, recipe, ctx.classNames, { classIndex, layer, runId: ctx.runId })
        return { ok: true, explain }
      }
      const inputs = await Promise.all(job.task.images.map(readInput))
      const predictions = await predictImages(model, inputs, recipe, ctx.classNames, job.task.topK)
      return { ok: true, predict: { runId: ctx.runId, preparation: describeRecipe(recipe), input: recipe, predictions } }
    } finally {
      model.dispose()
    }
  } catch (error) {
    return { ok: false, error: (error as Error).message ?? String(error) }
  }
}

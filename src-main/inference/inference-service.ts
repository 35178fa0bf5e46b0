import { isAbsolute, join, resolve } from 'node:path'
import { ContractError } from '@shared/contract'
import type {
  ExplainRequest,
  ExplainResult,
  ExportModelResult,
  ModelFormat,
  PredictImage,
  PredictResult,
} from '@shared/contract/inference-methods'
import type { BackendName } from '@shared/domain/config'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'
import type { RunDetail } from '@shared/domain/run'
import { InferenceReply, type InferenceJob, type ModelContext } from '../engine/inference/job'
import { startInferenceWorker } from './worker-launcher'

/** The part of the run store this service reads. */
export interface InferenceStore {
  getRun(id: string): RunDetail
  getDataset(id: string): DatasetInfo | null
  getBaseModel(id: string): BaseModelInfo | null
}

export interface InferenceServiceOptions {
  dataDir: string
  store: InferenceStore
  appVersion: string
  /** The backend runs use (setting or --backend); null = automatic. */
  preference: () => { backend: BackendName | null }
}

/**
 * Exports and predictions with a completed run's saved model. Each request runs in its own worker
 * thread (model loading and inference are long synchronous computations); the main thread only
 * reads the run's record and passes on what the model needs.
 */
export class InferenceService {
  constructor(private readonly o: InferenceServiceOptions) {}

  /** What the run's model needs: where it is, its classes and how its input was prepared. */
  context(id: string): ModelContext {
    const run = this.o.store.getRun(id)
    const artifact = run.artifacts.find((a) => a.kind === 'model')
    if (run.status !== 'completed' || !artifact) {
      throw new ContractError(
        'conflict',
        `run ${id} has no trained model (status ${run.status}); only a completed run can export or predict`,
      )
    }
    const dataset = this.o.store.getDataset(run.datasetId)
    const classNames = run.evaluation?.classNames ?? dataset?.classNames
    const imageSize = dataset?.imageSize.height ?? null
    if (!classNames || imageSize === null)
      throw new ContractError(
        'failed',
        `run ${id}: its dataset ${run.datasetId} is gone, so its classes and image size are unknown`,
      )
    const model = run.config.model
    let preprocessing: ModelContext['preprocessing'] = 'unit'
    let inputSize = imageSize
    if (model.kind === 'transfer') {
      const base = this.o.store.getBaseModel(model.baseId)
      if (!base)
        throw new ContractError(
          'failed',
          `run ${id}: its base ${model.baseId} is no longer registered, so its preprocessing is unknown`,
        )
      preprocessing = base.preprocessing
      inputSize = model.inputSize
    }
    const modelDir = isAbsolute(artifact.path) ? artifact.path : join(this.o.dataDir, artifact.path)
    return {
      runId: run.id,
      runName: run.name,
      modelDir,
      classNames,
      preprocessing,
      imageSize,
      inputSize,
      appVersion: this.o.appVersion,
    }
  }

  async exportModel(id: string, format: ModelFormat, out?: string): Promise<ExportModelResult> {
    const context = this.context(id)
    const dir = out === undefined ? join(this.o.dataDir, 'exports', `${id}-${format}`) : resolve(out)
    const reply = await this.run({ backend: this.o.preference().backend, context, task: { type: 'export', format, out: dir } })
    if (!('export' in reply)) throw new ContractError('failed', 'the inference worker answered without an export')
    return reply.export
  }

  async predict(id: string, images: PredictImage[], topK: number): Promise<PredictResult> {
    const task = {
      type: 'predict' as const,
      topK,
      images: images.map((i) =>
        i.path !== undefined
          ? { name: i.name, path: resolve(i.path) }
          : { name: i.name, bytes: new Uint8Array(Buffer.from(i.dataBase64!, 'base64')) },
      ),
    }
    const reply = await this.run({ backend: this.o.preference().backend, context: this.context(id), task })
    if (!('predict' in reply)) throw new ContractError('failed', 'the inference worker answered without predictions')
    return reply.predict
  }

  /** Grad-CAM of a test image of the run's dataset (by index) or an image file. */
  async explain(request: ExplainRequest): Promise<ExplainResult> {
    const context = this.context(request.id)
    let classIndex: number | undefined
    if (request.className !== undefined) {
      classIndex = context.classNames.indexOf(request.className)
      if (classIndex < 0)
        throw new ContractError(
          'invalid_input',
          `class "${request.className}" is not a class of run ${request.id} (${context.classNames.join(', ')})`,
        )
    }
    let image: Extract<InferenceJob['task'], { type: 'explain' }>['image']
    if ('path' in request.image) image = { path: resolve(request.image.path) }
    else if ('dataBase64' in request.image)
      image = { name: request.image.name, bytes: new Uint8Array(Buffer.from(request.image.dataBase64, 'base64')) }
    else {
      const run = this.o.store.getRun(request.id)
      const dataset = this.o.store.getDataset(run.datasetId)
      if (!dataset) throw new ContractError('failed', `run ${request.id}: its dataset ${run.datasetId} is gone`)
      image = { datasetIndex: request.image.datasetIndex, dataDir: this.o.dataDir, dataset }
    }
    const task = { type: 'explain' as const, image, classIndex, layer: request.layer }
    const reply = await this.run({ backend: this.o.preference().backend, context, task })
    if (!('explain' in reply)) throw new ContractError('failed', 'the inference worker answered without a heatmap')
    return reply.explain
  }

  private run(job: InferenceJob): Promise<Exclude<InferenceReply, { ok: false }>> {
    return new Promise((resolvePromise, reject) => {
      const worker = startInferenceWorker(job)
      let settled = false
      const settle = (fn: () => void) => {
        if (settled) return
        settled = true
        fn()
        void worker.terminate().catch(() => undefined)
      }
      worker.on('message', (raw: unknown) => {
        const parsed = InferenceReply.safeParse(raw)
        if (!parsed.success)
          return settle(() =>
            reject(
              new ContractError('internal', `malformed reply from the inference worker: ${parsed.error.issues[0]?.message}`),
            ),
          )
        const reply = parsed.data
        settle(() => (reply.ok ? resolvePromise(reply) : reject(new ContractError('failed', reply.error))))
      })
      worker.on('error', (error) =>
        settle(() => reject(new ContractError('failed', `inference worker failed: ${error.message}`))),
      )
      worker.on('exit', (code) =>
        settle(() => reject(new ContractError('failed', `inference worker exited without an answer (code ${code})`))),
      )
    })
  }
}

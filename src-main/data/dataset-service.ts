import { randomUUID } from 'node:crypto'
import { rm, stat } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { z } from 'zod'
import { ContractError, type DatasetImportRequest, type DatasetPreview, type DatasetPreviewRequest } from '@shared/contract'
import type { JobProgressEvent } from '@shared/contract'
import type { DatasetInfo, ImageSample, SplitName } from '@shared/domain/dataset'
import type { EventBus } from '../core/event-bus'
import { Augmenter } from './augment'
import { datasetDir, loadDatasetFromCache, type LoadedDataset } from './cache'
import { CIFAR10_BINARY_MD5, CIFAR10_BINARY_URL, downloadFile } from './download'
import type { ProgressFn } from './errors'
import { importDataset, type DatasetRegistry } from './importer'
import { pngDataUrl } from './png'
import { Rng } from './rng'

export interface DatasetServiceOptions {
  dataDir: string
  registry: DatasetRegistry
  events: EventBus
  /** Injectable for tests (a local server); defaults to the official archive. */
  download?: { url: string; md5: string }
  /** Folders searched for Keras' cifar-10-batches-py; defaults to $KERAS_HOME/datasets and ~/.keras/datasets. */
  kerasDirs?: string[]
  /** Throws when a queued or running run still trains on the dataset. */
  refuseDeleteInUse?: (id: string) => void
}

type ImportRequest = z.output<typeof DatasetImportRequest>
type PreviewRequest = z.output<typeof DatasetPreviewRequest>

/** Every `datasets.*` method: import/download as cancellable jobs with job.progress events, preview, images. */
export class DatasetService {
  private readonly jobs = new Map<string, AbortController>()
  /** The last opened dataset: preview and image lookups in a row should not re-read 180 MB. */
  private opened: { info: DatasetInfo; data: Promise<LoadedDataset> } | null = null

  constructor(private readonly options: DatasetServiceOptions) {}

  list(): DatasetInfo[] {
    return this.options.registry.listDatasets()
  }

  get(id: string): DatasetInfo {
    const info = this.options.registry.getDataset(id)
    if (!info) throw new ContractError('not_found', `dataset ${id} not found`)
    return info
  }

  async import(req: ImportRequest): Promise<DatasetInfo> {
    return this.runJob(req.jobId, 'dataset-import', (signal, onProgress) =>
      importDataset(this.options.dataDir, this.options.registry, req.path, {
        name: req.name,
        imageSize: req.imageSize,
        testRatio: req.testRatio,
        splitSeed: req.splitSeed,
        signal,
        onProgress,
      }),
    )
  }

  async download(req: { url?: string; jobId?: string }): Promise<DatasetInfo> {
    const url = req.url ?? this.options.download?.url ?? CIFAR10_BINARY_URL
    const md5 = this.options.download?.md5 ?? CIFAR10_BINARY_MD5
    return this.runJob(req.jobId, 'dataset-download', async (signal, onProgress) => {
      const file = await downloadFile({
        url,
        md5,
        file: join(this.options.dataDir, 'downloads', 'cifar-10-binary.tar.gz'),
        signal,
        onProgress,
      })
      return importDataset(this.options.dataDir, this.options.registry, file, {
        name: 'CIFAR-10',
        imageSize: 32,
        testRatio: 0.2,
        splitSeed: 42,
        signal,
        onProgress,
      })
    })
  }

  cancel(jobId: string): void {
    const job = this.jobs.get(jobId)
    if (!job) throw new ContractError('not_found', `no running job ${jobId}`)
    job.abort()
  }

  async findKerasCache(): Promise<string | null> {
    const dirs = this.options.kerasDirs ?? [
      ...(process.env.KERAS_HOME ? [join(process.env.KERAS_HOME, 'datasets')] : []),
      join(homedir(), '.keras', 'datasets'),
    ]
    for (const dir of dirs) {
      const candidate = join(dir, 'cifar-10-batches-py')
      const ok = await stat(join(candidate, 'data_batch_1')).then(
        (s) => s.isFile(),
        () => false,
      )
      if (ok) return candidate
    }
    return null
  }

  async delete(id: string): Promise<void> {
    const info = this.get(id)
    this.options.refuseDeleteInUse?.(info.id)
    this.options.registry.deleteDataset(info.id)
    if (this.opened?.info.id === id) this.opened = null
    await rm(datasetDir(this.options.dataDir, info.id), { recursive: true, force: true })
  }

  /** Opens a dataset's cache (kept for the next call). */
  load(id: string): Promise<LoadedDataset> {
    const info = this.get(id)
    if (this.opened?.info.id !== id || this.opened.info.createdAt !== info.createdAt) {
      const data = loadDatasetFromCache(this.options.dataDir, info)
      data.catch(() => {
        if (this.opened?.data === data) this.opened = null
      })
      this.opened = { info, data }
    }
    return this.opened.data
  }

  async preview(req: PreviewRequest): Promise<z.input<typeof DatasetPreview>> {
    const ds = await this.load(req.id)
    const split = ds[req.split]
    const { height: h, width: w } = ds.info.imageSize
    const size = h * w * 3
    const rng = new Rng(req.seed)
    const byClass: number[][] = ds.info.classNames.map(() => [])
    for (let i = 0; i < split.count; i++) byClass[split.labels[i]!]!.push(i)
    const samples: ImageSample[] = []
    for (const indices of byClass) {
      rng.shuffle(indices)
      for (const index of indices.slice(0, req.perClass)) samples.push(this.sample(ds, req.split, index))
    }
    let augmented: z.input<typeof DatasetPreview>['augmented'] = null
    if (req.augmentation && split.count > 0) {
      const index = rng.int(split.count)
      const copies = new Uint8Array(req.augmentCount * size)
      for (let k = 0; k < req.augmentCount; k++) copies.set(split.images.subarray(index * size, (index + 1) * size), k * size)
      const out = new Augmenter(req.augmentation, req.seed).augmentBatch(copies, req.augmentCount, h, w)
      augmented = {
        original: this.sample(ds, req.split, index),
        variants: Array.from({ length: req.augmentCount }, (_, k) => pngDataUrl(out, k * size, h, w)),
      }
    }
    return { samples, augmented }
  }

  async images(req: { id: string; split: SplitName; indices: number[] }): Promise<ImageSample[]> {
    const ds = await this.load(req.id)
    const count = ds[req.split].count
    const bad = req.indices.find((i) => i >= count)
    if (bad !== undefined)
      throw new ContractError('invalid_input', `index ${bad} is outside the ${req.split} split of ${count} images`)
    return req.indices.map((i) => this.sample(ds, req.split, i))
  }

  private sample(ds: LoadedDataset, split: SplitName, index: number): ImageSample {
    const { height: h, width: w } = ds.info.imageSize
    const label = ds[split].labels[index]!
    return {
      index,
      label,
      className: ds.info.classNames[label] ?? String(label),
      dataUrl: pngDataUrl(ds[split].images, index * h * w * 3, h, w),
    }
  }

  private async runJob<T>(
    jobId: string | undefined,
    kind: JobProgressEvent['kind'],
    work: (signal: AbortSignal, onProgress: ProgressFn) => Promise<T>,
  ): Promise<T> {
    const id = jobId ?? randomUUID()
    if (this.jobs.has(id)) throw new ContractError('conflict', `job ${id} is already running`)
    const controller = new AbortController()
    this.jobs.set(id, controller)
    const onProgress: ProgressFn = (stage, done, total, message = null) =>
      this.options.events.emit('job.progress', { jobId: id, kind, stage, done, total, message: message ?? null })
    try {
      return await work(controller.signal, onProgress)
    } finally {
      this.jobs.delete(id)
    }
  }

  /** Cancels every running job (the core is closing). */
  close(): void {
    for (const job of this.jobs.values()) job.abort()
  }
}

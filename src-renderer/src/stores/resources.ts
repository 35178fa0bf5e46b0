import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { DatasetPreview } from '@shared/contract/methods'
import type { JobProgressEvent } from '@shared/contract/events'
import type { AugmentationConfig } from '@shared/domain/config'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'
import { api, onEvent } from '../api'
import { errorMessage } from '../format'
import { uploadFile } from '../upload'

export type DatasetSource =
  | { kind: 'path'; path: string; name?: string }
  | { kind: 'keras' }
  | { kind: 'download' }
  /** Browser mode: a file from this computer, uploaded to the workbench machine and imported there. */
  | { kind: 'upload'; file: File; name?: string }

/** The augmentation the Data view previews: a bit of every transform, so each one shows. */
const PREVIEW_AUGMENTATION: AugmentationConfig = {
  enabled: true,
  rotationRange: 15,
  widthShiftRange: 0.1,
  heightShiftRange: 0.1,
  horizontalFlip: true,
  zoomRange: 0.1,
  fillMode: 'nearest',
  cval: 0,
  seed: 7,
}

/**
 * Datasets and pretrained bases: listed, imported and deleted here, shown in Data and Models and
 * offered by the Experiments form. Actions report failures in the error fields, never by throwing.
 */
export const useResourcesStore = defineStore('resources', () => {
  const datasets = ref<DatasetInfo[]>([])
  const models = ref<BaseModelInfo[]>([])
  const datasetsError = ref<string | null>(null)
  const modelsError = ref<string | null>(null)
  const loaded = ref(false)

  /** The dataset import running now (at most one from this window) and its last progress event. */
  const importJobId = ref<string | null>(null)
  const importProgress = shallowRef<JobProgressEvent | null>(null)
  const importError = ref<string | null>(null)
  const modelImporting = ref(false)
  const modelError = ref<string | null>(null)

  const preview = shallowRef<DatasetPreview | null>(null)
  const previewError = ref<string | null>(null)

  let listening = false
  function listen(): void {
    if (listening) return
    listening = true
    onEvent('job.progress', (event) => {
      if (event.jobId === importJobId.value) importProgress.value = event
    })
  }

  async function loadDatasets(): Promise<void> {
    try {
      datasets.value = await api()['datasets.list']({})
      datasetsError.value = null
    } catch (error) {
      datasetsError.value = errorMessage(error)
    }
  }
  async function loadModels(): Promise<void> {
    try {
      models.value = await api()['models.list']({})
      modelsError.value = null
    } catch (error) {
      modelsError.value = errorMessage(error)
    }
  }
  async function load(): Promise<void> {
    await Promise.all([loadDatasets(), loadModels()])
    loaded.value = true
  }

  /** Imports from a path, the Keras cache or the official download; the new dataset, or null on failure. */
  async function importDataset(source: DatasetSource): Promise<DatasetInfo | null> {
    listen()
    importError.value = null
    const jobId = `ui-${Date.now().toString(36)}`
    importJobId.value = jobId
    importProgress.value = null
    try {
      let info: DatasetInfo
      if (source.kind === 'download') info = await api()['datasets.download']({ jobId })
      else if (source.kind === 'upload') {
        const label = source.name?.trim()
        const onProgress = (done: number, total: number) => {
          importProgress.value = { jobId, kind: 'dataset-import', stage: 'upload', done, total, message: source.file.name }
        }
        info = await uploadFile('dataset', source.file, { jobId, ...(label ? { label } : {}), onProgress })
      } else {
        let path = source.kind === 'path' ? source.path : ''
        if (source.kind === 'keras') {
          const found = await api()['datasets.findKerasCache']({})
          if (!found.path) throw new Error('~/.keras/datasets/cifar-10-batches-py not found')
          path = found.path
        }
        const name = source.kind === 'path' ? source.name?.trim() : undefined
        info = await api()['datasets.import']({ path, ...(name ? { name } : {}), jobId })
      }
      await loadDatasets()
      return info
    } catch (error) {
      importError.value = errorMessage(error)
      return null
    } finally {
      importJobId.value = null
    }
  }

  async function cancelImport(): Promise<void> {
    // A job that ended meanwhile has nothing left to cancel.
    if (importJobId.value)
      await api()
        ['datasets.cancel']({ jobId: importJobId.value })
        .catch(() => {})
  }

  async function deleteDataset(id: string): Promise<boolean> {
    try {
      await api()['datasets.delete']({ id })
      await loadDatasets()
      return true
    } catch (error) {
      importError.value = errorMessage(error)
      return false
    }
  }

  let previewSeq = 0
  async function loadPreview(id: string, withAugmentation: boolean): Promise<void> {
    const mine = ++previewSeq
    previewError.value = null
    try {
      const result = await api()['datasets.preview']({
        id,
        perClass: 6,
        ...(withAugmentation ? { augmentation: PREVIEW_AUGMENTATION, augmentCount: 8 } : {}),
      })
      if (mine === previewSeq) preview.value = result // else another dataset was chosen meanwhile
    } catch (error) {
      if (mine === previewSeq) previewError.value = errorMessage(error)
    }
  }

  /** Registers a base from a path on the workbench machine, or (browser mode) from an uploaded file. */
  async function importModel(path: string, name?: string, file?: File): Promise<BaseModelInfo | null> {
    modelImporting.value = true
    modelError.value = null
    try {
      const trimmed = name?.trim()
      const info = file
        ? await uploadFile('base-model', file, trimmed ? { label: trimmed } : {})
        : await api()['models.import']({ path: path.trim(), ...(trimmed ? { name: trimmed } : {}) })
      await loadModels()
      return info
    } catch (error) {
      modelError.value = errorMessage(error)
      return null
    } finally {
      modelImporting.value = false
    }
  }

  async function deleteModel(id: string): Promise<void> {
    try {
      await api()['models.delete']({ id })
      await loadModels()
    } catch (error) {
      modelError.value = errorMessage(error)
    }
  }

  return {
    datasets,
    models,
    datasetsError,
    modelsError,
    loaded,
    load,
    loadDatasets,
    loadModels,
    importJobId,
    importProgress,
    importError,
    importDataset,
    cancelImport,
    deleteDataset,
    preview,
    previewError,
    loadPreview,
    modelImporting,
    modelError,
    importModel,
    deleteModel,
  }
})

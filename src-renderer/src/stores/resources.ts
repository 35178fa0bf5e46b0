import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'
import { api } from '../api'
import { errorMessage } from '../format'

/** Datasets and pretrained bases: shown in Data/Models and offered by the Experiments form. */
export const useResourcesStore = defineStore('resources', () => {
  const datasets = ref<DatasetInfo[]>([])
  const models = ref<BaseModelInfo[]>([])
  const datasetsError = ref<string | null>(null)
  const modelsError = ref<string | null>(null)
  const loaded = ref(false)

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
  return { datasets, models, datasetsError, modelsError, loaded, load, loadDatasets, loadModels }
})

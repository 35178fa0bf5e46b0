import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { SizedTransferRun } from '@shared/contract/methods'
import { familyOfBaseId, type BaseFamily } from '@shared/domain/model'
import { api } from '../api'
import { errorMessage } from '../format'

/**
 * What the input-size note needs: each base's family (from the registry, else from its known id) and
 * the user's completed runs on it by input size. Read once per base and dataset; `refresh` re-reads.
 */
export const useInputSizeStore = defineStore('input-size', () => {
  const families = ref<Record<string, BaseFamily | null>>({})
  const history = ref<Record<string, SizedTransferRun[]>>({})
  const errors = ref<Record<string, string>>({})
  const pending = new Map<string, Promise<void>>()

  const key = (baseId: string, datasetId: string | null) => `${baseId}\u0000${datasetId ?? ''}`

  async function loadFamily(baseId: string): Promise<void> {
    if (baseId in families.value) return
    try {
      const base = await api()['models.get']({ id: baseId })
      families.value = { ...families.value, [baseId]: base.family }
    } catch {
      // A base unregistered since the run still has a family when its id is a known one.
      families.value = { ...families.value, [baseId]: familyOfBaseId(baseId) }
    }
  }

  function load(baseId: string, datasetId: string | null, force = false): Promise<void> {
    const k = key(baseId, datasetId)
    if (!force && (k in history.value || pending.has(k))) return pending.get(k) ?? Promise.resolve()
    const job = (async () => {
      await loadFamily(baseId)
      try {
        const runs = await api()['runs.inputSizes']({ baseId, ...(datasetId ? { datasetId } : {}) })
        history.value = { ...history.value, [k]: runs }
        const { [k]: _gone, ...rest } = errors.value
        errors.value = rest
      } catch (e) {
        errors.value = { ...errors.value, [k]: errorMessage(e) }
      }
    })().finally(() => pending.delete(k))
    pending.set(k, job)
    return job
  }

  const runsFor = (baseId: string, datasetId: string | null) => history.value[key(baseId, datasetId)] ?? null
  const errorFor = (baseId: string, datasetId: string | null) => errors.value[key(baseId, datasetId)] ?? null
  const familyOf = (baseId: string) => families.value[baseId] ?? null

  return { load, runsFor, errorFor, familyOf }
})

import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { CompareStats } from '@shared/stats'
import { api } from '../api'
import { errorMessage } from '../format'

/** Compare's statistics for the selected runs (may take a while: old runs are re-evaluated). */
export const useCompareStatsStore = defineStore('compareStats', () => {
  const stats = shallowRef<CompareStats | null>(null)
  const loading = ref(false)
  const error = ref<string | null>(null)
  let seq = 0

  async function load(ids: string[]): Promise<void> {
    const mine = ++seq
    if (ids.length < 2) {
      stats.value = null
      return
    }
    loading.value = true
    error.value = null
    try {
      const result = await api()['compare.stats']({ ids })
      if (mine === seq) stats.value = result
    } catch (e) {
      if (mine === seq) {
        stats.value = null
        error.value = errorMessage(e)
      }
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  return { stats, loading, error, load }
})

import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import { COMPARE_LIMIT } from '@shared/contract/methods'
import type { RunDetail, RunGroup } from '@shared/domain/run'
import { api } from '../api'
import { errorMessage } from '../format'

/** The runs Compare shows, in the order asked, and their seed groups. */
export const useCompareStore = defineStore('compare', () => {
  const runs = shallowRef<RunDetail[]>([])
  const groups = shallowRef<RunGroup[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)
  let seq = 0

  async function load(ids: readonly string[]): Promise<void> {
    const mine = ++seq
    if (ids.length < 2) {
      runs.value = []
      groups.value = []
      return
    }
    const wanted = ids.slice(0, COMPARE_LIMIT)
    // Another selection: do not show the previous runs while the new ones load.
    if (runs.value.map((r) => r.id).join() !== wanted.join()) {
      runs.value = []
      groups.value = []
    }
    loading.value = true
    error.value = null
    try {
      const found = await api()['runs.compare']({ ids: wanted })
      // Groups only add mean ± std; without them the comparison still stands.
      const grouped = await api()
        ['runs.groups']({ ids: wanted })
        .catch(() => [])
      if (mine !== seq) return // a newer selection answered first
      runs.value = found
      groups.value = grouped
    } catch (e) {
      if (mine === seq) error.value = errorMessage(e)
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  return { runs, groups, loading, error, load }
})

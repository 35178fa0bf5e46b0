import { defineStore } from 'pinia'
import { ref } from 'vue'
import { RunBundle, type RunListQuery } from '@shared/contract/methods'
import type { RunStatus, RunSummary } from '@shared/domain/run'
import { api } from '../api'
import { errorMessage } from '../format'

type SortKey = NonNullable<RunListQuery['sortBy']>

/** History: the query lives here so leaving and coming back keeps filters, page and selection. */
export const useHistoryStore = defineStore('history', () => {
  const items = ref<RunSummary[]>([])
  const total = ref(0)
  const loading = ref(false)
  const error = ref<string | null>(null)
  const text = ref('')
  const status = ref<RunStatus | ''>('')
  const modelKind = ref<'' | 'scratch' | 'transfer'>('')
  const tag = ref('')
  const sortBy = ref<SortKey>('createdAt')
  const sortDir = ref<'asc' | 'desc'>('desc')
  const page = ref(0)
  const pageSize = ref(50)
  /** Selected ids survive paging and filtering. */
  const selected = ref<string[]>([])
  let seq = 0

  async function load(): Promise<void> {
    const mine = ++seq
    loading.value = true
    try {
      const result = await api()['runs.list']({
        ...(text.value.trim() ? { text: text.value.trim() } : {}),
        ...(status.value ? { status: [status.value] } : {}),
        ...(modelKind.value ? { modelKind: modelKind.value } : {}),
        ...(tag.value.trim() ? { tag: tag.value.trim() } : {}),
        sortBy: sortBy.value,
        sortDir: sortDir.value,
        offset: page.value * pageSize.value,
        limit: pageSize.value,
      })
      if (mine !== seq) return // a newer query answered first
      items.value = result.items
      total.value = result.total
      error.value = null
    } catch (e) {
      if (mine === seq) error.value = errorMessage(e)
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  function sort(key: SortKey): void {
    if (sortBy.value === key) sortDir.value = sortDir.value === 'asc' ? 'desc' : 'asc'
    else {
      sortBy.value = key
      sortDir.value = key === 'name' ? 'asc' : 'desc'
    }
    page.value = 0
    void load()
  }

  function toggle(id: string): void {
    selected.value = selected.value.includes(id) ? selected.value.filter((s) => s !== id) : [...selected.value, id]
  }

  /** Tags every selected run, then reloads the page. */
  async function tagSelected(tag: string): Promise<void> {
    for (const id of selected.value) await api()['runs.tag']({ id, add: [tag] })
    await load()
  }

  async function untag(id: string, tag: string): Promise<void> {
    await api()['runs.tag']({ id, remove: [tag] })
    await load()
  }

  async function deleteSelected(): Promise<void> {
    await api()['runs.delete']({ ids: selected.value })
    selected.value = []
    await load()
  }

  function exportSelected(): Promise<RunBundle> {
    return api()['runs.export']({ ids: selected.value })
  }

  /** Imports a bundle file; a file that is not JSON or not a bundle fails with its name and the first problem. */
  async function importBundle(file: File): Promise<{ imported: string[]; skipped: string[] }> {
    let json: unknown
    try {
      json = JSON.parse(await file.text())
    } catch {
      throw new Error(`${file.name}: not a JSON file`)
    }
    const parsed = RunBundle.safeParse(json)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new Error(`${file.name}: not a CIFAR Workbench bundle (${issue?.path.join('.')}: ${issue?.message})`)
    }
    const result = await api()['runs.import']({ bundle: parsed.data })
    await load()
    return result
  }

  return {
    items,
    total,
    loading,
    error,
    text,
    status,
    modelKind,
    tag,
    sortBy,
    sortDir,
    page,
    pageSize,
    selected,
    load,
    sort,
    toggle,
    tagSelected,
    untag,
    deleteSelected,
    exportSelected,
    importBundle,
  }
})

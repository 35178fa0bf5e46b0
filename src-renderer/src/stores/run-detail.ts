import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { ImageSample } from '@shared/domain/dataset'
import type { RunDetail } from '@shared/domain/run'
import { api } from '../api'
import { errorMessage } from '../format'

export type Mistake = ImageSample & { predicted: string; confidence: number }

/** How many of a run's most confident mistakes the detail view shows. */
const MISTAKES_SHOWN = 24

/** The run the detail view shows, with the images of its most confident mistakes. */
export const useRunDetailStore = defineStore('runDetail', () => {
  const run = shallowRef<RunDetail | null>(null)
  const error = ref<string | null>(null)
  const notFound = ref(false)
  const mistakes = ref<Mistake[]>([])
  const mistakesError = ref<string | null>(null)
  const notesError = ref<string | null>(null)

  async function load(id: string): Promise<void> {
    error.value = null
    notFound.value = false
    if (run.value?.id !== id) {
      run.value = null
      mistakes.value = []
    }
    try {
      run.value = await api()['runs.get']({ id })
      void loadMistakes()
    } catch (e) {
      if ((e as { code?: string }).code === 'not_found') notFound.value = true
      else error.value = errorMessage(e)
    }
  }

  async function loadMistakes(): Promise<void> {
    const r = run.value
    const ev = r?.evaluation
    mistakesError.value = null
    if (!r || !ev || ev.mistakes.length === 0) {
      mistakes.value = []
      return
    }
    const top = ev.mistakes.slice(0, MISTAKES_SHOWN)
    try {
      const images = await api()['datasets.images']({ id: r.datasetId, split: 'test', indices: top.map((m) => m.index) })
      mistakes.value = images.map((img, i) => ({
        ...img,
        predicted: ev.classNames[top[i]!.predictedLabel] ?? '?',
        confidence: top[i]!.confidence,
      }))
    } catch (e) {
      // The dataset may have been deleted since the run: say so instead of hiding the gallery.
      mistakes.value = []
      mistakesError.value = errorMessage(e)
    }
  }

  async function saveNotes(id: string, notes: string): Promise<boolean> {
    notesError.value = null
    try {
      await api()['runs.note']({ id, notes })
      return true
    } catch (e) {
      notesError.value = errorMessage(e)
      return false
    }
  }

  return { run, error, notFound, mistakes, mistakesError, notesError, load, saveNotes }
})

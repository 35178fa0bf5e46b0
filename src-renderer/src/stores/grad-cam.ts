import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { ExplainImage, ExplainResult } from '@shared/contract/inference-methods'
import { api } from '../api'
import { errorMessage } from '../format'
import { fileBase64 } from '../upload'

/** Where the image to explain comes from: a test image of the runs' dataset, or a file of the user's. */
export type CamSource = { kind: 'test'; index: number } | { kind: 'file'; file: File }

export interface CamOutcome {
  runId: string
  result: ExplainResult | null
  error: string | null
}

/** The request's image: a test index as is, a file as its bytes (as predictions on the user's images send them). */
export async function explainImageOf(source: CamSource): Promise<ExplainImage> {
  return source.kind === 'test'
    ? { datasetIndex: source.index }
    : { name: source.file.name, dataBase64: await fileBase64(source.file) }
}

/**
 * Grad-CAM of one image for several runs side by side (Compare). The runs are explained one after
 * another (each in its own inference worker), and each keeps its own error so one failure leaves
 * the others shown.
 */
export const useGradCamStore = defineStore('grad-cam', () => {
  const outcomes = shallowRef<CamOutcome[]>([])
  const busy = ref(false)
  let seq = 0

  async function explainAll(runIds: readonly string[], source: CamSource, className: string | null): Promise<void> {
    const mine = ++seq
    busy.value = true
    outcomes.value = runIds.map((runId) => ({ runId, result: null, error: null }))
    try {
      const image = await explainImageOf(source)
      for (const [i, id] of runIds.entries()) {
        let outcome: CamOutcome
        try {
          const result = await api()['inference.explain']({ id, image, className: className ?? undefined })
          outcome = { runId: id, result, error: null }
        } catch (e) {
          outcome = { runId: id, result: null, error: errorMessage(e) }
        }
        if (mine !== seq) return
        outcomes.value = outcomes.value.map((o, j) => (j === i ? outcome : o))
      }
    } catch (e) {
      if (mine === seq) outcomes.value = runIds.map((runId) => ({ runId, result: null, error: errorMessage(e) }))
    } finally {
      if (mine === seq) busy.value = false
    }
  }

  function clear(): void {
    seq++
    outcomes.value = []
    busy.value = false
  }

  return { outcomes, busy, explainAll, clear }
})

import { defineStore } from 'pinia'
import { ref, shallowRef } from 'vue'
import type { CellImage, FlippedImage, Flips } from '@shared/stats'
import { api } from '../api'
import { errorMessage } from '../format'

/** An image with its pixels, as the galleries show it. */
export type Shown<T> = T & { dataUrl: string }

export interface FlipsView {
  a: string
  b: string
  classNames: string[]
  onlyA: { total: number; images: Shown<FlippedImage>[] }
  onlyB: { total: number; images: Shown<FlippedImage>[] }
}

/** One run's images in the clicked confusion cell. */
export interface CellRun {
  runId: string
  name: string
  total: number
  images: Shown<CellImage>[]
}

export interface CellView {
  trueClass: number
  predicted: number
  classNames: string[]
  runs: CellRun[]
}

/** The images of a dataset's test split by index, in the order asked. */
async function withPixels<T extends { index: number }>(datasetId: string, items: T[]): Promise<Shown<T>[]> {
  if (items.length === 0) return []
  const samples = await api()['datasets.images']({ id: datasetId, split: 'test', indices: items.map((x) => x.index) })
  const byIndex = new Map(samples.map((s) => [s.index, s.dataUrl]))
  return items.map((x) => ({ ...x, dataUrl: byIndex.get(x.index) ?? '' }))
}

/** Flipped images between two runs and the images of a clicked confusion-matrix cell. */
export const useImageCompareStore = defineStore('imageCompare', () => {
  const flips = shallowRef<FlipsView | null>(null)
  const flipsLoading = ref(false)
  const flipsError = ref<string | null>(null)
  const cell = shallowRef<CellView | null>(null)
  const cellError = ref<string | null>(null)
  let flipsSeq = 0
  let cellSeq = 0

  async function loadFlips(a: string, b: string, datasetId: string, trueClass: number | null): Promise<void> {
    const mine = ++flipsSeq
    flipsLoading.value = true
    flipsError.value = null
    try {
      const f: Flips = await api()['compare.flips']({ a, b, trueClass, limit: 24 })
      const [onlyA, onlyB] = await Promise.all([withPixels(datasetId, f.onlyA.images), withPixels(datasetId, f.onlyB.images)])
      if (mine === flipsSeq)
        flips.value = {
          ...f,
          onlyA: { total: f.onlyA.total, images: onlyA },
          onlyB: { total: f.onlyB.total, images: onlyB },
        }
    } catch (e) {
      if (mine === flipsSeq) {
        flips.value = null
        flipsError.value = errorMessage(e)
      }
    } finally {
      if (mine === flipsSeq) flipsLoading.value = false
    }
  }

  /** The cell's images for each run given (one run, or the two of a difference matrix). */
  async function openCell(
    runs: { id: string; name: string; datasetId: string }[],
    trueClass: number,
    predicted: number,
  ): Promise<void> {
    const mine = ++cellSeq
    cellError.value = null
    try {
      const parts = await Promise.all(
        runs.map(async (r) => {
          const c = await api()['compare.cellImages']({ id: r.id, trueClass, predicted, limit: 24 })
          return {
            classNames: c.classNames,
            run: { runId: r.id, name: r.name, total: c.cell.total, images: await withPixels(r.datasetId, c.cell.images) },
          }
        }),
      )
      if (mine === cellSeq)
        cell.value = { trueClass, predicted, classNames: parts[0]?.classNames ?? [], runs: parts.map((p) => p.run) }
    } catch (e) {
      if (mine === cellSeq) {
        cell.value = null
        cellError.value = errorMessage(e)
      }
    }
  }

  function closeCell(): void {
    cellSeq++
    cell.value = null
    cellError.value = null
  }

  return { flips, flipsLoading, flipsError, cell, cellError, loadFlips, openCell, closeCell }
})

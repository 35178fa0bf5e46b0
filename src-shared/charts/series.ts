import type { BatchPoint, EpochMetric, Phase, RunDetail } from '../domain/run'

/** A learning-rate or phase change, drawn as a vertical marker on the curves. */
export interface CurveMarker {
  step: number
  kind: 'phase' | 'lr'
  phase: Phase
  learningRate: number
}

/** One batch value on a curve (phase optional: live events carry it, older points may not). */
export type CurvePoint = Omit<BatchPoint, 'phase'> & { phase?: Phase }

export type EpochPoint = EpochMetric & { /** Global batch step at the end of the epoch. */ step: number }

/** Everything a run's curves need, as plain arrays (never reactive proxies: charts copy from here). */
export interface CurveSeries {
  batches: CurvePoint[]
  epochs: EpochPoint[]
  markers: CurveMarker[]
  lastStep: number
}

export function emptySeries(): CurveSeries {
  return { batches: [], epochs: [], markers: [], lastStep: 0 }
}

/** Rebuild a run's curves from its stored record (downsampled batch points + epoch metrics). */
export function seriesFromDetail(detail: Pick<RunDetail, 'batchPoints' | 'epochs'>): CurveSeries {
  const batches = [...detail.batchPoints].sort((a, b) => a.step - b.step)
  const lastStepOfEpoch = new Map<number, number>()
  for (const b of batches) lastStepOfEpoch.set(b.epoch, Math.max(lastStepOfEpoch.get(b.epoch) ?? 0, b.step))
  const epochs: EpochPoint[] = detail.epochs.map((m) => ({ ...m, step: lastStepOfEpoch.get(m.epoch) ?? m.epoch }))
  const markers: CurveMarker[] = []
  let prev: EpochMetric | null = null
  for (const m of detail.epochs) {
    if (prev && (m.phase !== prev.phase || m.learningRate !== prev.learningRate)) {
      const step = lastStepOfEpoch.get(prev.epoch) ?? prev.epoch
      markers.push({ step, kind: m.phase !== prev.phase ? 'phase' : 'lr', phase: m.phase, learningRate: m.learningRate })
    }
    prev = m
  }
  return { batches, epochs, markers, lastStep: batches.at(-1)?.step ?? 0 }
}

/**
 * Debiased exponential moving average (as TensorBoard does): weight 0 returns the raw values,
 * and the first points are not dragged towards zero. NaN/Infinity pass through unsmoothed.
 */
export function smooth(values: readonly number[], weight: number): number[] {
  const w = Math.min(Math.max(weight, 0), 0.999)
  if (w === 0) return [...values]
  const out: number[] = []
  let last = 0
  let debias = 0
  for (const v of values) {
    if (!Number.isFinite(v)) {
      out.push(v)
      continue
    }
    last = last * w + (1 - w) * v
    debias = debias * w + (1 - w)
    out.push(last / debias)
  }
  return out
}

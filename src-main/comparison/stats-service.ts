import type { z } from 'zod'
import type { RunDetail } from '@shared/domain/run'
import {
  describeStats,
  discordance,
  mcnemarExact,
  pairedBootstrap,
  seedsNeeded,
  summarize,
  welchTTest,
  type CompareStats,
  type CompareStatsRequest,
  type GroupComparison,
  type PairedStats,
  type StatsGroup,
  type StatsRun,
} from '@shared/stats'
import { correctness, type RunPredictions } from '../engine/evaluation/predictions'
import type { PredictionsResult, PredictionsService, PredictionsSource } from './predictions-service'

type Request = z.output<typeof CompareStatsRequest>

/** Whether two runs' predictions cover the same images of the same dataset, image for image. */
function sameImages(a: RunPredictions, b: RunPredictions): boolean {
  if (a.count !== b.count) return false
  for (let i = 0; i < a.count; i++) if (a.datasetIndices[i] !== b.datasetIndices[i] || a.labels[i] !== b.labels[i]) return false
  return true
}

function sameDataset(a: RunDetail, b: RunDetail): boolean {
  if (a.config.data.datasetId !== b.config.data.datasetId) return false
  return a.datasetHash === null || b.datasetHash === null || a.datasetHash === b.datasetHash
}

function pairStats(
  a: RunDetail,
  b: RunDetail,
  pa: PredictionsResult | null,
  pb: PredictionsResult | null,
  req: Request,
): PairedStats {
  const unpaired = (
    reason: 'different-dataset' | 'different-images' | 'no-predictions',
    reasonRun: string | null,
  ): PairedStats => ({
    paired: false,
    a: a.id,
    b: b.id,
    reason,
    reasonRun,
    accuracyA: a.testAccuracy,
    accuracyB: b.testAccuracy,
  })
  // Predictions are only read for runs of one dataset (null otherwise).
  if (!pa || !pb || !sameDataset(a, b)) return unpaired('different-dataset', null)
  if (!pa.ok) return unpaired('no-predictions', a.id)
  if (!pb.ok) return unpaired('no-predictions', b.id)
  if (!sameImages(pa.predictions, pb.predictions)) return unpaired('different-images', null)
  const ca = correctness(pa.predictions)
  const cb = correctness(pb.predictions)
  const table = discordance(ca, cb)
  const n = ca.length
  const accuracyA = n ? (table.both + table.onlyA) / n : 0
  const accuracyB = n ? (table.both + table.onlyB) / n : 0
  return {
    paired: true,
    a: a.id,
    b: b.id,
    images: n,
    accuracyA,
    accuracyB,
    difference: accuracyA - accuracyB,
    discordance: table,
    mcnemarP: mcnemarExact(table.onlyA, table.onlyB),
    bootstrap: pairedBootstrap(ca, cb, req.resamples, req.seed),
  }
}

/** Completed runs with a test accuracy, grouped by config hash in the order asked. */
function groupsOf(runs: RunDetail[]): { groups: StatsGroup[]; values: Map<string, number[]> } {
  const values = new Map<string, number[]>()
  const members = new Map<string, RunDetail[]>()
  for (const r of runs) {
    if (r.testAccuracy === null) continue
    values.set(r.configHash, [...(values.get(r.configHash) ?? []), r.testAccuracy])
    members.set(r.configHash, [...(members.get(r.configHash) ?? []), r])
  }
  const groups = [...members].map(([configHash, rs]): StatsGroup => {
    const s = summarize(values.get(configHash)!)
    // Seeded runs are named "<config> (seed N)"; the group is the config.
    const name = (rs[0]!.config.name || rs[0]!.name).replace(/ \(seed \d+\)$/, '')
    return { configHash, name, runIds: rs.map((r) => r.id), n: s.n, mean: s.mean, std: s.std, ci95: s.ci95 }
  })
  return { groups, values }
}

function compareGroups(groups: StatsGroup[], values: Map<string, number[]>): GroupComparison | null {
  if (groups.length < 2) return null
  const [ga, gb] = [groups[0]!, groups[1]!]
  const a = values.get(ga.configHash)!
  const b = values.get(gb.configHash)!
  const welch = welchTTest(a, b)
  return {
    a: ga.configHash,
    b: gb.configHash,
    difference: ga.mean - gb.mean,
    welch: welch ? { t: welch.t, df: welch.df, p: welch.p, ci95: welch.ci95 } : null,
    seedsNeeded: seedsNeeded(a, b),
  }
}

/**
 * `compare.stats`: the first two runs image by image (exact McNemar, paired bootstrap), every run's
 * config group over seeds (mean, std, t-interval) and the first two groups against each other
 * (Welch, seeds needed). Predictions missing from old runs are re-evaluated on demand.
 */
export async function compareStats(
  store: PredictionsSource,
  predictions: PredictionsService,
  req: Request,
): Promise<CompareStats> {
  const runs = req.ids.map((id) => store.getRun(id))
  const [a, b] = [runs[0]!, runs[1]!]
  const safely = (id: string): Promise<PredictionsResult> =>
    predictions.get(id).catch((error: unknown) => ({ ok: false as const, reason: (error as Error).message }))
  const [pa, pb] = sameDataset(a, b) ? await Promise.all([safely(a.id), safely(b.id)]) : [null, null]
  const statsRuns = runs.map((r, i): StatsRun => {
    const p = i === 0 ? pa : i === 1 ? pb : null
    return {
      id: r.id,
      name: r.name,
      configHash: r.configHash,
      testAccuracy: r.testAccuracy,
      testImages: r.sizes?.test ?? null,
      predictions: p === null ? (i < 2 ? 'missing' : 'unread') : p.ok ? p.source : 'missing',
      missingReason: p === null ? (i < 2 ? 'the two runs use different datasets' : null) : p.ok ? null : p.reason,
    }
  })
  const pair = pairStats(a, b, pa, pb, req)
  const { groups, values } = groupsOf(runs)
  const partial = { runs: statsRuns, pair, groups, groupComparison: compareGroups(groups, values), sentence: '' }
  return { ...partial, sentence: describeStats(partial, 'en') }
}

import type { EpochMetric, RunGroup, RunStatus } from '@shared/domain/run'

/** What grouping needs from one run. */
export interface GroupMember {
  id: string
  name: string
  configHash: string
  status: RunStatus
  createdAt: string
  metrics: Record<string, number | null>
  epochs: EpochMetric[]
}

/** Metrics summarised per group (keys of RunGroup.stats). */
export const GROUP_METRICS = [
  'testAccuracy',
  'testLoss',
  'macroF1',
  'bestValAccuracy',
  'finalValAccuracy',
  'finalValLoss',
  'finalAccuracy',
  'finalLoss',
  'wallTimeMs',
  'imagesPerSecond',
] as const

/** Code-unit order: ISO timestamps and ids compare correctly without locale rules (and much faster). */
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)

/** Mean and sample standard deviation (n - 1); std is 0 for a single value. */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } | null {
  const n = values.length
  if (n === 0) return null
  const mean = values.reduce((s, v) => s + v, 0) / n
  if (n === 1) return { mean, std: 0, n }
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)
  return { mean, std: Math.sqrt(variance), n }
}

/**
 * Groups runs by config hash. Statistics and per-epoch bands use the group's completed runs only
 * (a half-finished seed would drag the mean); runIds lists every member. Groups come newest first.
 */
export function buildGroups(members: readonly GroupMember[]): RunGroup[] {
  const byHash = new Map<string, GroupMember[]>()
  for (const m of [...members].sort((a, b) => cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id))) {
    const list = byHash.get(m.configHash)
    if (list) list.push(m)
    else byHash.set(m.configHash, [m])
  }
  const groups: Array<RunGroup & { latest: string }> = []
  for (const [configHash, runs] of byHash) {
    const completed = runs.filter((r) => r.status === 'completed')
    const stats: RunGroup['stats'] = {}
    for (const metric of GROUP_METRICS) {
      const values = completed
        .map((r) => r.metrics[metric])
        .filter((v): v is number => typeof v === 'number' && Number.isFinite(v))
      const s = meanStd(values)
      if (s) stats[metric] = s
    }
    const byEpoch = completed.map((r) => new Map(r.epochs.map((e) => [e.epoch, e])))
    let maxEpoch = 0
    for (const r of completed) for (const e of r.epochs) maxEpoch = Math.max(maxEpoch, e.epoch)
    const epochBands: RunGroup['epochBands'] = []
    for (let epoch = 1; epoch <= maxEpoch; epoch++) {
      const at = byEpoch.map((m) => m.get(epoch)).filter((e): e is EpochMetric => e !== undefined)
      const acc = meanStd(at.map((e) => e.valAccuracy).filter((v): v is number => v !== null))
      const loss = meanStd(at.map((e) => e.valLoss).filter((v): v is number => v !== null))
      epochBands.push({
        epoch,
        valAccuracyMean: acc?.mean ?? null,
        valAccuracyStd: acc?.std ?? null,
        valLossMean: loss?.mean ?? null,
        valLossStd: loss?.std ?? null,
      })
    }
    groups.push({
      configHash,
      name: runs[0]!.name,
      runIds: runs.map((r) => r.id),
      count: runs.length,
      stats,
      epochBands,
      latest: runs[runs.length - 1]!.createdAt,
    })
  }
  return groups.sort((a, b) => cmp(b.latest, a.latest)).map(({ latest: _latest, ...g }) => g)
}

import type { CompareStats } from '@shared/stats'

/** `compare --stats` as text: the sentence, then every number behind it. */

const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(2)}%`)
const pts = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)}`
const pValue = (p: number) => (p === 0 ? '0' : p < 1e-4 ? p.toExponential(2) : p.toFixed(4))

export function formatCompareStats(stats: CompareStats): string {
  const name = (id: string) => stats.runs.find((r) => r.id === id)?.name ?? id
  const lines: string[] = [stats.sentence, '']
  const pair = stats.pair
  if (pair?.paired) {
    const d = pair.discordance
    lines.push(
      `paired: ${name(pair.a)} (A, ${pair.a}) vs ${name(pair.b)} (B, ${pair.b}) on ${pair.images} test images`,
      `  accuracy A ${pct(pair.accuracyA)}, B ${pct(pair.accuracyB)}, A − B ${pts(pair.difference)} points`,
      `  paired bootstrap 95% CI ${pts(pair.bootstrap.low)} to ${pts(pair.bootstrap.high)} points (${pair.bootstrap.resamples} resamples, seed ${pair.bootstrap.seed})`,
      `  only A right ${d.onlyA}, only B right ${d.onlyB}, both ${d.both}, neither ${d.neither}`,
      `  exact McNemar p = ${pValue(pair.mcnemarP)}`,
    )
  } else if (pair) {
    lines.push(`paired: none (${pair.reason}${pair.reasonRun ? `: ${pair.reasonRun}` : ''})`)
  }
  for (const r of stats.runs) if (r.missingReason && r.predictions === 'missing') lines.push(`  ${r.id}: ${r.missingReason}`)
  for (const r of stats.runs)
    if (r.predictions === 'reevaluated') lines.push(`  ${r.id}: predictions re-evaluated from the saved model`)
  if (stats.groups.length) {
    lines.push('', 'groups (test accuracy over seeds):')
    for (const g of stats.groups) {
      const spread = g.std === null ? 'std –' : `std ${pts(g.std).slice(1)} points`
      const ci = g.ci95 ? `95% CI ${pct(g.ci95.low)} to ${pct(g.ci95.high)}` : '95% CI –'
      lines.push(`  ${g.name} [${g.configHash.slice(0, 8)}]: n ${g.n}, mean ${pct(g.mean)}, ${spread}, ${ci}`)
    }
  }
  const cmp = stats.groupComparison
  if (cmp) {
    const w = cmp.welch
    lines.push(
      w
        ? `  Welch: difference ${pts(cmp.difference)} points (95% CI ${pts(w.ci95.low)} to ${pts(w.ci95.high)}), t = ${w.t.toFixed(3)}, df = ${w.df.toFixed(2)}, p = ${pValue(w.p)}`
        : `  Welch: not applicable (each group needs two runs with some spread); difference ${pts(cmp.difference)} points`,
      `  seeds per group to resolve it (power 0.8, α 0.05): ${cmp.seedsNeeded ?? '–'}`,
    )
  }
  return lines.join('\n')
}

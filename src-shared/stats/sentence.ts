import type { CompareStats, PairedStats, UnpairedReason } from './schema'

/** The comparison in one or two plain sentences, in English or Spanish, from the numbers alone. */

export type StatsLanguage = 'en' | 'es'
const ALPHA = 0.05

interface Words {
  ahead: (a: string, b: string, points: string, ci: string) => string
  pairTail: (p: string, n: string) => string
  pairNotSignificant: (p: string, n: string) => string
  pairEqual: (a: string, b: string, n: string) => string
  unpaired: (a: string, b: string, reason: string, accA: string, accB: string) => string
  /** No predictions: whether the test images were the same is not known. */
  unknownImages: (a: string, b: string, reason: string, accA: string, accB: string) => string
  reasons: Record<UnpairedReason, (run: string) => string>
  seeds: (n: number) => string
  groupTail: (p: string) => string
  groupNotSignificant: (p: string, need: string) => string
  groupUnsized: string
  groupNoTest: (a: string, b: string, points: string) => string
}

const WORDS: Record<StatsLanguage, Words> = {
  en: {
    ahead: (a, b, points, ci) => `${a} is ahead of ${b} by ${points} points (95% CI ${ci})`,
    pairTail: (p, n) => `; McNemar p ${p} on ${n} paired test images.`,
    pairNotSignificant: (p, n) => `, but the difference is not significant (McNemar p ${p} on ${n} paired test images).`,
    pairEqual: (a, b, n) => `${a} and ${b} are equally accurate on ${n} paired test images.`,
    unpaired: (a, b, reason, accA, accB) =>
      `${a} and ${b} were not tested on the same images (${reason}), so no paired test applies; their test accuracies are ${accA} and ${accB}.`,
    unknownImages: (a, b, reason, accA, accB) =>
      `${a} and ${b} cannot be compared image by image (${reason}), so no paired test applies; their test accuracies are ${accA} and ${accB}.`,
    reasons: {
      'different-dataset': () => 'different datasets',
      'different-images': () => 'different test subsets',
      'no-predictions': (run) => `no per-image predictions for ${run}`,
    },
    seeds: (n) => (n === 1 ? '1 seed' : `${n} seeds`),
    groupTail: (p) => `; Welch's t-test p ${p}.`,
    groupNotSignificant: (p, need) => `, but the difference is not significant (Welch p ${p})${need}.`,
    groupUnsized: '',
    groupNoTest: (a, b, points) =>
      `${a} is ahead of ${b} by ${points} points on average; a t-test needs at least two seeds in each group.`,
  },
  es: {
    ahead: (a, b, points, ci) => `${a} supera a ${b} por ${points} puntos (IC 95 % ${ci})`,
    pairTail: (p, n) => `; McNemar p ${p} en ${n} imágenes de test emparejadas.`,
    pairNotSignificant: (p, n) =>
      `, pero la diferencia no es significativa (McNemar p ${p} en ${n} imágenes de test emparejadas).`,
    pairEqual: (a, b, n) => `${a} y ${b} aciertan lo mismo en ${n} imágenes de test emparejadas.`,
    unpaired: (a, b, reason, accA, accB) =>
      `${a} y ${b} no se evaluaron con las mismas imágenes (${reason}), así que no cabe una prueba emparejada; sus exactitudes de test son ${accA} y ${accB}.`,
    unknownImages: (a, b, reason, accA, accB) =>
      `${a} y ${b} no se pueden comparar imagen por imagen (${reason}), así que no cabe una prueba emparejada; sus exactitudes de test son ${accA} y ${accB}.`,
    reasons: {
      'different-dataset': () => 'conjuntos de datos distintos',
      'different-images': () => 'subconjuntos de test distintos',
      'no-predictions': (run) => `sin predicciones por imagen de ${run}`,
    },
    seeds: (n) => (n === 1 ? '1 semilla' : `${n} semillas`),
    groupTail: (p) => `; prueba t de Welch p ${p}.`,
    groupNotSignificant: (p, need) => `, pero la diferencia no es significativa (Welch p ${p})${need}.`,
    groupUnsized: '',
    groupNoTest: (a, b, points) =>
      `${a} supera a ${b} por ${points} puntos de media; la prueba t necesita al menos dos semillas por grupo.`,
  },
}

const NEED: Record<StatsLanguage, (n: string) => string> = {
  en: (n) => `; about ${n} seeds per group would resolve it`,
  es: (n) => `; harían falta unas ${n} semillas por grupo para resolverla`,
}

function formatter(lang: StatsLanguage) {
  const fixed = (digits: number) => new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits })
  const oneDigit = fixed(1)
  // Rounded first, so a value just below zero reads "0.0", never "-0.0".
  const one = { format: (v: number) => oneDigit.format(Math.round(v * 10) / 10 || 0) }
  const count = new Intl.NumberFormat(lang, { maximumFractionDigits: 0, useGrouping: true })
  return {
    points: (fraction: number) => one.format(fraction * 100),
    percent: (fraction: number | null) =>
      fraction === null ? '–' : lang === 'es' ? `${one.format(fraction * 100)} %` : `${one.format(fraction * 100)}%`,
    count: (n: number) => count.format(n),
    /** "< 0.001", or "= 0.034" with 2 significant digits. */
    p: (p: number) =>
      p < 0.001 ? `< ${fixed(3).format(0.001)}` : `= ${new Intl.NumberFormat(lang, { maximumSignificantDigits: 2 }).format(p)}`,
    range: (low: number, high: number) => `${one.format(low * 100)} ${lang === 'es' ? 'a' : 'to'} ${one.format(high * 100)}`,
  }
}

function labels(stats: CompareStats): Map<string, string> {
  const names = new Map<string, string>()
  const counts = new Map<string, number>()
  for (const r of stats.runs) counts.set(r.name, (counts.get(r.name) ?? 0) + 1)
  for (const r of stats.runs) names.set(r.id, (counts.get(r.name) ?? 0) > 1 ? `${r.name} (${r.id.slice(0, 8)})` : r.name)
  return names
}

export function pairSentence(pair: PairedStats, label: (id: string) => string, lang: StatsLanguage): string {
  const w = WORDS[lang]
  const f = formatter(lang)
  if (!pair.paired) {
    const reason = w.reasons[pair.reason](pair.reasonRun ? label(pair.reasonRun) : '')
    const say = pair.reason === 'no-predictions' ? w.unknownImages : w.unpaired
    return say(label(pair.a), label(pair.b), reason, f.percent(pair.accuracyA), f.percent(pair.accuracyB))
  }
  const n = f.count(pair.images)
  if (pair.difference === 0) return w.pairEqual(label(pair.a), label(pair.b), n)
  // The leader first, so the sentence always reads "ahead by" a positive amount.
  const flip = pair.difference < 0
  const [lead, trail] = flip ? [pair.b, pair.a] : [pair.a, pair.b]
  const diff = Math.abs(pair.difference)
  const ci = flip ? f.range(-pair.bootstrap.high, -pair.bootstrap.low) : f.range(pair.bootstrap.low, pair.bootstrap.high)
  const head = w.ahead(label(lead), label(trail), f.points(diff), ci)
  return head + (pair.mcnemarP < ALPHA ? w.pairTail(f.p(pair.mcnemarP), n) : w.pairNotSignificant(f.p(pair.mcnemarP), n))
}

function groupSentence(stats: CompareStats, lang: StatsLanguage): string | null {
  const cmp = stats.groupComparison
  if (!cmp) return null
  const w = WORDS[lang]
  const f = formatter(lang)
  const group = (hash: string) => stats.groups.find((g) => g.configHash === hash)!
  const flip = cmp.difference < 0
  const [lead, trail] = flip ? [group(cmp.b), group(cmp.a)] : [group(cmp.a), group(cmp.b)]
  const name = (g: typeof lead) => `${g.name} (${w.seeds(g.n)})`
  const diff = Math.abs(cmp.difference)
  if (!cmp.welch) return w.groupNoTest(name(lead), name(trail), f.points(diff))
  const ci = flip ? f.range(-cmp.welch.ci95.high, -cmp.welch.ci95.low) : f.range(cmp.welch.ci95.low, cmp.welch.ci95.high)
  const head = w.ahead(name(lead), name(trail), f.points(diff), ci)
  if (cmp.welch.p < ALPHA) return head + w.groupTail(f.p(cmp.welch.p))
  const need = cmp.seedsNeeded === null ? w.groupUnsized : NEED[lang](f.count(cmp.seedsNeeded))
  return head + w.groupNotSignificant(f.p(cmp.welch.p), need)
}

/**
 * Groups of seeds speak first when both compared groups have several runs (their spread is the
 * honest error bar); the paired test of the first two runs follows, or stands alone.
 */
export function describeStats(stats: CompareStats, lang: StatsLanguage = 'en'): string {
  const names = labels(stats)
  const label = (id: string) => names.get(id) ?? id
  const cmp = stats.groupComparison
  const seeded = cmp !== null && [cmp.a, cmp.b].every((h) => (stats.groups.find((g) => g.configHash === h)?.n ?? 0) >= 2)
  const parts: string[] = []
  if (seeded) parts.push(groupSentence(stats, lang)!)
  if (stats.pair) parts.push(pairSentence(stats.pair, label, lang))
  return parts.join(' ')
}

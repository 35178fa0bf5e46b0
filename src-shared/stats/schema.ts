import { z } from 'zod'

/** The numbers `compare.stats` returns: what the Compare view and `compare --stats` state. */

const Interval = z.object({ low: z.number(), high: z.number() })

export const StatsRun = z.object({
  id: z.string(),
  name: z.string(),
  configHash: z.string(),
  testAccuracy: z.number().nullable(),
  testImages: z.number().int().min(0).nullable(),
  /**
   * Where its per-image predictions came from: the run's file, a re-evaluation just now, none, or
   * not read (only the first two runs asked for are compared image by image).
   */
  predictions: z.enum(['stored', 'reevaluated', 'missing', 'unread']),
  /** Why there are none (no saved model, dataset deleted…). */
  missingReason: z.string().nullable(),
})
export type StatsRun = z.infer<typeof StatsRun>

/** Why two runs cannot be compared image by image. */
export const UnpairedReason = z.enum(['different-dataset', 'different-images', 'no-predictions'])
export type UnpairedReason = z.infer<typeof UnpairedReason>

export const PairedStats = z.discriminatedUnion('paired', [
  z.object({
    paired: z.literal(true),
    a: z.string(),
    b: z.string(),
    images: z.number().int().min(0),
    accuracyA: z.number(),
    accuracyB: z.number(),
    /** accuracy(A) − accuracy(B), as a fraction. */
    difference: z.number(),
    /** Images both runs get right, only A, only B, neither (the McNemar table). */
    discordance: z.object({
      both: z.number().int(),
      onlyA: z.number().int(),
      onlyB: z.number().int(),
      neither: z.number().int(),
    }),
    mcnemarP: z.number().min(0).max(1),
    bootstrap: Interval.extend({ resamples: z.number().int(), seed: z.number().int() }),
  }),
  z.object({
    paired: z.literal(false),
    a: z.string(),
    b: z.string(),
    reason: UnpairedReason,
    /** The run a reason is about (no-predictions), else null. */
    reasonRun: z.string().nullable(),
    accuracyA: z.number().nullable(),
    accuracyB: z.number().nullable(),
  }),
])
export type PairedStats = z.infer<typeof PairedStats>

export const StatsGroup = z.object({
  configHash: z.string(),
  name: z.string(),
  runIds: z.array(z.string()),
  /** Over the group's test accuracies (fractions). */
  n: z.number().int().min(1),
  mean: z.number(),
  std: z.number().nullable(),
  ci95: Interval.nullable(),
})
export type StatsGroup = z.infer<typeof StatsGroup>

export const GroupComparison = z.object({
  a: z.string(),
  b: z.string(),
  /** mean(A) − mean(B). */
  difference: z.number(),
  /** Welch's t-test; null when a group has fewer than two runs or neither varies. */
  welch: z.object({ t: z.number(), df: z.number(), p: z.number().min(0).max(1), ci95: Interval }).nullable(),
  /** Seeds per group to resolve this difference (power 0.8, α 0.05); null when it cannot be sized. */
  seedsNeeded: z.number().int().nullable(),
})
export type GroupComparison = z.infer<typeof GroupComparison>

export const CompareStats = z.object({
  runs: z.array(StatsRun),
  /** The first two runs asked for, image by image. */
  pair: PairedStats.nullable(),
  /** Runs grouped by config (seeds of one experiment), in the order their first run was asked for. */
  groups: z.array(StatsGroup),
  /** The first two groups, when there are two or more. */
  groupComparison: GroupComparison.nullable(),
  /** The summary in English (the app renders it in the user's language from the same numbers). */
  sentence: z.string(),
})
export type CompareStats = z.infer<typeof CompareStats>

export const CompareStatsRequest = z.object({
  ids: z.array(z.string().min(1)).min(2, 'give at least two runs').max(10),
  resamples: z.number().int().min(100).max(20000).default(2000),
  seed: z.number().int().min(0).max(0xffffffff).default(20240601),
})

import type { Statement } from 'better-sqlite3'
import type { Artifact, BatchPoint, EpochMetric, Evaluation } from '@shared/domain/run'
import type { BatchPointReader } from './batch-point-reader'
import type { Db } from './database'
import { bucketOf, downsample, keepExtremes, strideFor } from './downsample'
import { toBatchPoint, type BatchRow, type EpochRow } from './rows'

/**
 * The one place a run's child rows (tags, epochs, batch points, evaluation, artifacts) are written,
 * for a run recorded live and for one imported from a bundle alike, so both store the same rows.
 * Values arrive validated; callers own the transaction and the run-state checks.
 */
export class RunRowWriter {
  private readonly insertTag: Statement
  private readonly deleteTag: Statement
  private readonly upsertEpoch: Statement
  private readonly upsertPoint: Statement
  private readonly selectPoints: Statement
  private readonly deletePoints: Statement
  private readonly deleteAllPoints: Statement
  private readonly updateStride: Statement
  private readonly upsertEvaluation: Statement
  private readonly updateTestAccuracy: Statement
  private readonly upsertArtifact: Statement
  private readonly epochCount: Statement
  private readonly lastEpoch: Statement
  private readonly bestEpoch: Statement
  private readonly updateAggregates: Statement

  constructor(
    private readonly db: Db,
    private readonly points: BatchPointReader,
  ) {
    this.insertTag = db.prepare('INSERT OR IGNORE INTO run_tags (run_id, tag) VALUES (?, ?)')
    this.deleteTag = db.prepare('DELETE FROM run_tags WHERE run_id = ? AND tag = ?')
    this.upsertEpoch = db.prepare(
      `INSERT OR REPLACE INTO epochs (run_id, epoch, phase, loss, accuracy, val_loss, val_accuracy, learning_rate, duration_ms, images_per_second)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    this.upsertPoint = db.prepare(
      'INSERT OR REPLACE INTO batch_points (run_id, step, phase, epoch, loss, accuracy) VALUES (?, ?, ?, ?, ?, ?)',
    )
    this.selectPoints = db.prepare(
      'SELECT run_id, step, phase, epoch, loss, accuracy FROM batch_points WHERE run_id = ? AND step BETWEEN ? AND ?',
    )
    this.deletePoints = db.prepare('DELETE FROM batch_points WHERE run_id = ? AND step BETWEEN ? AND ?')
    this.deleteAllPoints = db.prepare('DELETE FROM batch_points WHERE run_id = ?')
    this.updateStride = db.prepare('UPDATE runs SET batch_stride = ? WHERE id = ?')
    this.upsertEvaluation = db.prepare(
      'INSERT OR REPLACE INTO evaluations (run_id, test_loss, accuracy, evaluation_json, created_at) VALUES (?, ?, ?, ?, ?)',
    )
    this.updateTestAccuracy = db.prepare('UPDATE runs SET test_accuracy = ? WHERE id = ?')
    this.upsertArtifact = db.prepare(
      `INSERT INTO artifacts (run_id, kind, path, size_bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, path) DO UPDATE SET kind = excluded.kind, size_bytes = excluded.size_bytes,
         sha256 = excluded.sha256, created_at = excluded.created_at`,
    )
    this.epochCount = db.prepare('SELECT count(*) AS n, avg(images_per_second) AS ips FROM epochs WHERE run_id = ?')
    this.lastEpoch = db.prepare('SELECT * FROM epochs WHERE run_id = ? ORDER BY epoch DESC LIMIT 1')
    this.bestEpoch = db.prepare(
      'SELECT epoch, val_accuracy FROM epochs WHERE run_id = ? AND val_accuracy IS NOT NULL ORDER BY val_accuracy DESC, epoch ASC LIMIT 1',
    )
    this.updateAggregates = db.prepare(
      `UPDATE runs SET epochs_done = ?, final_loss = ?, final_accuracy = ?, final_val_loss = ?, final_val_accuracy = ?,
         best_val_accuracy = ?, best_epoch = ?, images_per_second = ?, last_heartbeat_at = ? WHERE id = ?`,
    )
  }

  addTags(runId: string, tags: readonly string[]): void {
    for (const t of tags) this.insertTag.run(runId, t)
  }

  removeTags(runId: string, tags: readonly string[]): void {
    for (const t of tags) this.deleteTag.run(runId, t)
  }

  /** Writes an epoch, replacing one of the same number (a resumed run re-runs its last epoch). */
  epoch(runId: string, e: EpochMetric): void {
    this.upsertEpoch.run(
      runId,
      e.epoch,
      e.phase,
      e.loss,
      e.accuracy,
      e.valLoss,
      e.valAccuracy,
      e.learningRate,
      e.durationMs,
      e.imagesPerSecond,
    )
  }

  /**
   * Adds points to a run whose stored points are bucketed by `stride` (1 for a run without any), so
   * a run holds at most MAX_STORED_POINTS whatever its length, every bucket's extremes kept.
   */
  batchPoints(runId: string, incoming: readonly BatchPoint[], stride: number): void {
    if (incoming.length === 0) return
    const maxStep = incoming.reduce((m, p) => Math.max(m, p.step), 0)
    const next = strideFor(maxStep, stride)
    if (next !== stride) {
      // The run outgrew its buckets: widen them and re-bucket everything stored so far.
      const merged = new Map<number, BatchPoint>()
      for (const p of this.points.read([runId]).get(runId) ?? []) merged.set(p.step, p)
      for (const p of incoming) merged.set(p.step, p)
      this.deleteAllPoints.run(runId)
      this.writePoints(runId, downsample([...merged.values()], next))
      this.updateStride.run(next, runId)
      return
    }
    // Buckets of one step keep their one point: nothing stored needs reading back.
    if (stride === 1) return this.writePoints(runId, incoming)
    const byBucket = new Map<number, BatchPoint[]>()
    for (const p of incoming) {
      const b = bucketOf(p.step, stride)
      const list = byBucket.get(b)
      if (list) list.push(p)
      else byBucket.set(b, [p])
    }
    for (const [bucket, fresh] of byBucket) {
      const lo = bucket * stride + 1
      const hi = (bucket + 1) * stride
      const merged = new Map<number, BatchPoint>()
      for (const p of (this.selectPoints.all(runId, lo, hi) as BatchRow[]).map(toBatchPoint)) merged.set(p.step, p)
      for (const p of fresh) merged.set(p.step, p)
      const kept = keepExtremes([...merged.values()])
      if (kept.length < merged.size) this.deletePoints.run(runId, lo, hi)
      this.writePoints(runId, kept.length < merged.size ? kept : fresh)
    }
  }

  /** Writes the run's evaluation (replacing an earlier one) and its test accuracy column. */
  evaluation(runId: string, ev: Evaluation, createdAt: string): void {
    this.upsertEvaluation.run(runId, ev.testLoss, ev.accuracy, JSON.stringify(ev), createdAt)
    this.updateTestAccuracy.run(ev.accuracy, runId)
  }

  /** Records an artifact; one at the same path replaces the earlier record. */
  artifact(runId: string, a: Artifact): void {
    this.upsertArtifact.run(runId, a.kind, a.path, a.sizeBytes, a.sha256, a.createdAt)
  }

  /** Recomputes the denormalised summary columns (final/best metrics) from the run's epochs. */
  refreshEpochAggregates(runId: string): void {
    const agg = this.epochCount.get(runId) as { n: number; ips: number | null }
    const last = this.lastEpoch.get(runId) as EpochRow | undefined
    const best = this.bestEpoch.get(runId) as { epoch: number; val_accuracy: number } | undefined
    this.updateAggregates.run(
      agg.n,
      last?.loss ?? null,
      last?.accuracy ?? null,
      last?.val_loss ?? null,
      last?.val_accuracy ?? null,
      best?.val_accuracy ?? null,
      best?.epoch ?? null,
      agg.ips,
      new Date().toISOString(),
      runId,
    )
  }

  private writePoints(runId: string, points: readonly BatchPoint[]): void {
    for (const p of points) this.upsertPoint.run(runId, p.step, p.phase, p.epoch, p.loss, p.accuracy)
  }
}

import { z } from 'zod'
import { BackendName, ExperimentConfig } from '@shared/domain/config'
import type { Artifact } from '@shared/domain/run'
import {
  ArtifactKind,
  Evaluation,
  ModelSummary,
  PhaseParams,
  type BatchPoint,
  type EpochMetric,
  type RunDetail,
  type RunStatus,
  type RunSummary,
} from '@shared/domain/run'
import { parseStored } from './schema-check'

/** A row of `runs` as SQLite returns it. */
export interface RunRow {
  id: string
  name: string
  status: RunStatus
  model_kind: 'scratch' | 'transfer'
  base_id: string | null
  dataset_id: string
  config_hash: string
  seed: number
  notes: string
  failure_message: string | null
  created_at: string
  started_at: string | null
  finished_at: string | null
  wall_time_ms: number | null
  backend: string | null
  device: string | null
  app_version: string
  tfjs_version: string | null
  dataset_hash: string | null
  train_size: number | null
  validation_size: number | null
  test_size: number | null
  total_params: number | null
  trainable_params: number | null
  non_trainable_params: number | null
  model_size_bytes: number | null
  epochs_done: number
  final_loss: number | null
  final_accuracy: number | null
  final_val_loss: number | null
  final_val_accuracy: number | null
  best_val_accuracy: number | null
  best_epoch: number | null
  test_accuracy: number | null
  images_per_second: number | null
  owner_pid: number | null
  last_started_at: string | null
  last_heartbeat_at: string | null
  batch_stride: number
}

/** A run row joined with its JSON payloads (run_payloads). */
export interface DetailRow extends RunRow {
  config_json: string
  model_summary_json: string | null
  phase_times_json: string
  phase_params_json: string
}

export interface EpochRow {
  run_id: string
  epoch: number
  phase: string
  loss: number
  accuracy: number
  val_loss: number | null
  val_accuracy: number | null
  learning_rate: number
  duration_ms: number
  images_per_second: number
}

export interface BatchRow {
  run_id: string
  step: number
  phase: string
  epoch: number
  loss: number
  accuracy: number
}

export interface ArtifactRow {
  run_id: string
  kind: string
  path: string
  size_bytes: number
  sha256: string
  created_at: string
}

export function toSummary(row: RunRow, tags: string[]): RunSummary {
  const backend = BackendName.safeParse(row.backend)
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    modelKind: row.model_kind,
    baseId: row.base_id,
    datasetId: row.dataset_id,
    configHash: row.config_hash,
    seed: row.seed,
    tags,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    wallTimeMs: row.wall_time_ms,
    epochsDone: row.epochs_done,
    final: {
      loss: row.final_loss,
      accuracy: row.final_accuracy,
      valLoss: row.final_val_loss,
      valAccuracy: row.final_val_accuracy,
    },
    bestValAccuracy: row.best_val_accuracy,
    bestEpoch: row.best_epoch,
    testAccuracy: row.test_accuracy,
    totalParams: row.total_params,
    trainableParams: row.trainable_params,
    imagesPerSecond: row.images_per_second,
    backend: backend.success ? backend.data : null,
  }
}

export function toEpoch(row: EpochRow): EpochMetric {
  return {
    phase: row.phase === 'finetune' ? 'finetune' : 'train',
    epoch: row.epoch,
    loss: row.loss,
    accuracy: row.accuracy,
    valLoss: row.val_loss,
    valAccuracy: row.val_accuracy,
    learningRate: row.learning_rate,
    durationMs: row.duration_ms,
    imagesPerSecond: row.images_per_second,
  }
}

export function toBatchPoint(row: BatchRow): BatchPoint {
  return {
    phase: row.phase === 'finetune' ? 'finetune' : 'train',
    epoch: row.epoch,
    step: row.step,
    loss: row.loss,
    accuracy: row.accuracy,
  }
}

export function toArtifact(row: ArtifactRow): Artifact {
  return {
    kind: ArtifactKind.parse(row.kind),
    path: row.path,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    createdAt: row.created_at,
  }
}

export function toDetail(
  row: DetailRow,
  parts: {
    tags: string[]
    epochs: EpochMetric[]
    batchPoints: BatchPoint[]
    evaluationJson: string | null
    artifacts: Artifact[]
  },
): RunDetail {
  const sizes =
    row.train_size !== null && row.validation_size !== null && row.test_size !== null
      ? { train: row.train_size, validation: row.validation_size, test: row.test_size }
      : null
  return {
    ...toSummary(row, parts.tags),
    config: parseStored(ExperimentConfig, row.config_json, `run ${row.id}, column config_json`),
    failureMessage: row.failure_message,
    notes: row.notes,
    phaseTimes: JSON.parse(row.phase_times_json) as Record<string, number>,
    device: row.device,
    appVersion: row.app_version,
    tfjsVersion: row.tfjs_version,
    datasetHash: row.dataset_hash,
    sizes,
    modelSummary:
      row.model_summary_json === null
        ? null
        : parseStored(ModelSummary, row.model_summary_json, `run ${row.id}, column model_summary_json`),
    phaseParams: parseStored(z.array(PhaseParams), row.phase_params_json, `run ${row.id}, column phase_params_json`),
    nonTrainableParams: row.non_trainable_params,
    modelSizeBytes: row.model_size_bytes,
    epochs: parts.epochs,
    batchPoints: parts.batchPoints,
    evaluation:
      parts.evaluationJson === null
        ? null
        : parseStored(Evaluation, parts.evaluationJson, `run ${row.id}, column evaluation_json`),
    artifacts: parts.artifacts,
  }
}

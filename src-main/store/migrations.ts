/**
 * Schema history. Each entry moves the database from version `index` to `index + 1`
 * (`PRAGMA user_version`). Never edit a shipped migration: add a new one.
 */
export interface Migration {
  version: number
  description: string
  sql: string
}

const V1 = `
CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('queued','running','completed','failed','cancelled','interrupted')),
  model_kind TEXT NOT NULL CHECK (model_kind IN ('scratch','transfer')),
  base_id TEXT,
  dataset_id TEXT NOT NULL,
  config_json TEXT NOT NULL,
  config_hash TEXT NOT NULL,
  seed INTEGER NOT NULL,
  tags_json TEXT NOT NULL DEFAULT '[]',
  notes TEXT NOT NULL DEFAULT '',
  failure_message TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT,
  wall_time_ms REAL,
  phase_times_json TEXT NOT NULL DEFAULT '{}',
  backend TEXT,
  device TEXT,
  app_version TEXT NOT NULL DEFAULT '',
  tfjs_version TEXT,
  dataset_hash TEXT,
  train_size INTEGER,
  validation_size INTEGER,
  test_size INTEGER,
  model_summary_json TEXT,
  total_params INTEGER,
  trainable_params INTEGER,
  non_trainable_params INTEGER,
  model_size_bytes INTEGER,
  epochs_done INTEGER NOT NULL DEFAULT 0,
  final_loss REAL,
  final_accuracy REAL,
  final_val_loss REAL,
  final_val_accuracy REAL,
  best_val_accuracy REAL,
  best_epoch INTEGER,
  test_accuracy REAL,
  images_per_second REAL
);
CREATE INDEX runs_created_at ON runs(created_at);

CREATE TABLE epochs (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  epoch INTEGER NOT NULL,
  phase TEXT NOT NULL,
  loss REAL NOT NULL,
  accuracy REAL NOT NULL,
  val_loss REAL,
  val_accuracy REAL,
  learning_rate REAL NOT NULL,
  duration_ms REAL NOT NULL,
  images_per_second REAL NOT NULL,
  PRIMARY KEY (run_id, epoch)
) WITHOUT ROWID;

CREATE TABLE batch_points (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step INTEGER NOT NULL,
  phase TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  loss REAL NOT NULL,
  accuracy REAL NOT NULL,
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;

CREATE TABLE evaluations (
  run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  test_loss REAL NOT NULL,
  accuracy REAL NOT NULL,
  evaluation_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE artifacts (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  kind TEXT NOT NULL,
  path TEXT NOT NULL,
  size_bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (run_id, path)
);

CREATE TABLE datasets (
  id TEXT PRIMARY KEY,
  info_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE base_models (
  id TEXT PRIMARY KEY,
  info_json TEXT NOT NULL,
  registered_at TEXT NOT NULL
);
`

/**
 * v2: tags move from a JSON column to an indexed table (tag filter without scanning every run);
 * runs record the pid that owns them (so a second process opening the database does not mark a live
 * run interrupted), when their current attempt started and last wrote (wall time of a run that
 * died), and the batch-point stride of the downsampler; saved presets get a table; indexes
 * for the sortable columns of the History view.
 */
const V2 = `
CREATE TABLE run_tags (
  run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY (run_id, tag)
) WITHOUT ROWID;
CREATE INDEX run_tags_tag ON run_tags(tag, run_id);
INSERT OR IGNORE INTO run_tags (run_id, tag)
  SELECT runs.id, CAST(t.value AS TEXT) FROM runs, json_each(runs.tags_json) AS t
  WHERE json_valid(runs.tags_json) AND t.type = 'text' AND length(trim(t.value)) > 0;
ALTER TABLE runs DROP COLUMN tags_json;

ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN last_started_at TEXT;
ALTER TABLE runs ADD COLUMN last_heartbeat_at TEXT;
ALTER TABLE runs ADD COLUMN batch_stride INTEGER NOT NULL DEFAULT 1;

CREATE INDEX runs_status ON runs(status, created_at);
CREATE INDEX runs_model_kind ON runs(model_kind, created_at);
CREATE INDEX runs_config_hash ON runs(config_hash);
CREATE INDEX runs_test_accuracy ON runs(test_accuracy);
CREATE INDEX runs_best_val_accuracy ON runs(best_val_accuracy);
CREATE INDEX runs_final_val_accuracy ON runs(final_val_accuracy);

CREATE TABLE presets (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  preset_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`

/**
 * v3: the large JSON payloads (config, model summary, phase times) move out of `runs` into
 * `run_payloads`, so `runs` stays narrow: listing, filtering and sorting thousands of runs then reads
 * a few hundred bytes per run instead of several kilobytes.
 */
const V3 = `
CREATE TABLE run_payloads (
  run_id TEXT PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  config_json TEXT NOT NULL,
  model_summary_json TEXT,
  phase_times_json TEXT NOT NULL DEFAULT '{}'
);
INSERT INTO run_payloads (run_id, config_json, model_summary_json, phase_times_json)
  SELECT id, config_json, model_summary_json, phase_times_json FROM runs;
ALTER TABLE runs DROP COLUMN config_json;
ALTER TABLE runs DROP COLUMN model_summary_json;
ALTER TABLE runs DROP COLUMN phase_times_json;
`

/**
 * v4: the parameters each phase trained and kept frozen (a transfer run's frozen base, then its
 * fine-tuning), as the trainer counted them when the phase began. Older runs keep '[]' and have
 * their counts derived from the model summary where it can tell.
 */
const V4 = `
ALTER TABLE run_payloads ADD COLUMN phase_params_json TEXT NOT NULL DEFAULT '[]';
`

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, description: 'runs, epochs, batch points, evaluations, artifacts, registries', sql: V1 },
  { version: 2, description: 'tag table, run ownership, downsampling stride, presets, sort indexes', sql: V2 },
  { version: 3, description: 'JSON payloads out of the runs table', sql: V3 },
  { version: 4, description: 'trainable and frozen parameters per phase', sql: V4 },
]

export const SCHEMA_VERSION = MIGRATIONS.length

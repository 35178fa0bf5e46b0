import { Preset } from '@shared/contract'
import { DatasetInfo } from '@shared/domain/dataset'
import { BaseModelInfo } from '@shared/domain/model'
import type { Db } from './database'
import { checkInput, parseStored } from './schema-check'

/**
 * The registries beside the run history (as MLflow keeps its model registry apart from tracking):
 * imported datasets, registered base models and saved presets, each a small JSON record keyed by id.
 * Every method is synchronous (better-sqlite3) and throws ContractError.
 */
export interface RegistryStore {
  /** Adds a dataset, or replaces the record of the same id. */
  putDataset(info: DatasetInfo): void
  listDatasets(): DatasetInfo[]
  getDataset(id: string): DatasetInfo | null
  deleteDataset(id: string): boolean
  /** Adds a base model, or replaces the record of the same id. */
  putBaseModel(info: BaseModelInfo): void
  listBaseModels(): BaseModelInfo[]
  getBaseModel(id: string): BaseModelInfo | null
  deleteBaseModel(id: string): boolean
  /** Saves a preset, or replaces the one of the same id. */
  putPreset(preset: Preset): void
  listPresets(): Preset[]
  deletePreset(id: string): boolean
}

export class SqliteRegistryStore implements RegistryStore {
  constructor(private readonly db: Db) {}

  putDataset(info: DatasetInfo): void {
    const d = checkInput(DatasetInfo, info, 'dataset record')
    this.db
      .prepare(
        'INSERT INTO datasets (id, info_json, created_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET info_json = excluded.info_json',
      )
      .run(d.id, JSON.stringify(d), d.createdAt)
  }

  listDatasets(): DatasetInfo[] {
    const rows = this.db.prepare('SELECT id, info_json FROM datasets ORDER BY created_at, id').all() as Array<{
      id: string
      info_json: string
    }>
    return rows.map((r) => parseStored(DatasetInfo, r.info_json, `dataset ${r.id}`))
  }

  getDataset(id: string): DatasetInfo | null {
    const row = this.db.prepare('SELECT info_json FROM datasets WHERE id = ?').get(id) as { info_json: string } | undefined
    return row ? parseStored(DatasetInfo, row.info_json, `dataset ${id}`) : null
  }

  deleteDataset(id: string): boolean {
    return this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes > 0
  }

  putBaseModel(info: BaseModelInfo): void {
    const m = checkInput(BaseModelInfo, info, 'base model record')
    this.db
      .prepare(
        'INSERT INTO base_models (id, info_json, registered_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET info_json = excluded.info_json',
      )
      .run(m.id, JSON.stringify(m), m.registeredAt)
  }

  listBaseModels(): BaseModelInfo[] {
    const rows = this.db.prepare('SELECT id, info_json FROM base_models ORDER BY registered_at, id').all() as Array<{
      id: string
      info_json: string
    }>
    return rows.map((r) => parseStored(BaseModelInfo, r.info_json, `base model ${r.id}`))
  }

  getBaseModel(id: string): BaseModelInfo | null {
    const row = this.db.prepare('SELECT info_json FROM base_models WHERE id = ?').get(id) as { info_json: string } | undefined
    return row ? parseStored(BaseModelInfo, row.info_json, `base model ${id}`) : null
  }

  deleteBaseModel(id: string): boolean {
    return this.db.prepare('DELETE FROM base_models WHERE id = ?').run(id).changes > 0
  }

  putPreset(preset: Preset): void {
    const p = checkInput(Preset, preset, 'preset')
    this.db
      .prepare(
        `INSERT INTO presets (id, name, preset_json, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, preset_json = excluded.preset_json`,
      )
      .run(p.id, p.name, JSON.stringify(p), new Date().toISOString())
  }

  listPresets(): Preset[] {
    const rows = this.db.prepare('SELECT id, preset_json FROM presets ORDER BY created_at, id').all() as Array<{
      id: string
      preset_json: string
    }>
    return rows.map((r) => parseStored(Preset, r.preset_json, `preset ${r.id}`))
  }

  deletePreset(id: string): boolean {
    return this.db.prepare('DELETE FROM presets WHERE id = ?').run(id).changes > 0
  }
}

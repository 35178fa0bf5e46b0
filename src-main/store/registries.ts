import type { z } from 'zod'
import { ContractError, issuesOf, Preset } from '@shared/contract'
import { DatasetInfo } from '@shared/domain/dataset'
import { BaseModelInfo } from '@shared/domain/model'
import type { Db } from './database'

function parse<S extends z.ZodType>(schema: S, text: string, what: string): z.output<S> {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new ContractError('internal', `${what}: stored JSON is invalid (${(error as Error).message})`)
  }
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    const issue = issuesOf(parsed.error)[0]
    throw new ContractError(
      'internal',
      `${what}: stored record does not match its schema (${issue?.path || '(root)'}: ${issue?.message})`,
    )
  }
  return parsed.data
}

function check<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value)
  if (!parsed.success) throw new ContractError('invalid_input', `invalid ${what}`, issuesOf(parsed.error))
  return parsed.data
}

/** Datasets, base models and presets: small JSON records keyed by id. */
export class Registries {
  constructor(private readonly db: Db) {}

  putDataset(info: DatasetInfo): void {
    const d = check(DatasetInfo, info, 'dataset record')
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
    return rows.map((r) => parse(DatasetInfo, r.info_json, `dataset ${r.id}`))
  }

  getDataset(id: string): DatasetInfo | null {
    const row = this.db.prepare('SELECT info_json FROM datasets WHERE id = ?').get(id) as { info_json: string } | undefined
    return row ? parse(DatasetInfo, row.info_json, `dataset ${id}`) : null
  }

  deleteDataset(id: string): boolean {
    return this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes > 0
  }

  putBaseModel(info: BaseModelInfo): void {
    const m = check(BaseModelInfo, info, 'base model record')
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
    return rows.map((r) => parse(BaseModelInfo, r.info_json, `base model ${r.id}`))
  }

  getBaseModel(id: string): BaseModelInfo | null {
    const row = this.db.prepare('SELECT info_json FROM base_models WHERE id = ?').get(id) as { info_json: string } | undefined
    return row ? parse(BaseModelInfo, row.info_json, `base model ${id}`) : null
  }

  deleteBaseModel(id: string): boolean {
    return this.db.prepare('DELETE FROM base_models WHERE id = ?').run(id).changes > 0
  }

  putPreset(preset: Preset): void {
    const p = check(Preset, preset, 'preset')
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
    return rows.map((r) => parse(Preset, r.preset_json, `preset ${r.id}`))
  }

  deletePreset(id: string): boolean {
    return this.db.prepare('DELETE FROM presets WHERE id = ?').run(id).changes > 0
  }
}

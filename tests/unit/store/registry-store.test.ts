import { rmSync } from 'node:fs'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { Preset } from '@shared/contract'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'
import { openStore, type RegistryStore, type Store } from '../../../src-main/store'
import { expectCode } from '../../fixtures/store/expect-code'
import { scratchConfig, tempDir } from '../../fixtures/store/factories'

let dir: string
let store: Store
let registry: RegistryStore

beforeEach(() => {
  dir = tempDir()
  store = openStore(join(dir, 'workbench.sqlite'), { dataDir: dir })
  registry = store.registry
})
afterEach(() => {
  store.close()
  rmSync(dir, { recursive: true, force: true })
})

const dataset: DatasetInfo = {
  id: 'cifar10',
  name: 'CIFAR-10',
  source: { kind: 'cifar10-binary', path: '/tmp/cifar.tar.gz', sha256: 'abc' },
  classNames: ['airplane', 'automobile'],
  imageSize: { height: 32, width: 32, channels: 3 },
  counts: { train: [5, 5], test: [1, 1] },
  totals: { train: 10, test: 2 },
  sizeBytes: 36_864,
  createdAt: new Date().toISOString(),
}

describe('registry store', () => {
  it('stores datasets, base models and presets by id', () => {
    registry.putDataset(dataset)
    registry.putDataset({ ...dataset, name: 'CIFAR-10 (renamed)' })
    expect(registry.listDatasets()).toHaveLength(1)
    expect(registry.getDataset('cifar10')?.name).toBe('CIFAR-10 (renamed)')
    expect(registry.deleteDataset('cifar10')).toBe(true)
    expect(registry.getDataset('cifar10')).toBeNull()
    expectCode(() => registry.putDataset({ ...dataset, classNames: ['one'] }), 'invalid_input')

    const base: BaseModelInfo = {
      id: 'mobilenetv2-imagenet',
      name: 'MobileNetV2',
      family: 'mobilenetv2',
      format: 'tfjs-layers',
      path: 'models/mobilenetv2',
      sha256: 'def',
      preprocessing: 'imagenet-mean-std',
      defaultCutLayer: 'out_relu',
      minInputSize: 32,
      source: 'test',
      summary: null,
      registeredAt: new Date().toISOString(),
    }
    registry.putBaseModel(base)
    expect(registry.listBaseModels().map((m) => m.id)).toEqual([base.id])
    expect(registry.getBaseModel(base.id)?.defaultCutLayer).toBe('out_relu')
    expect(registry.deleteBaseModel(base.id)).toBe(true)
    expect(registry.deleteBaseModel(base.id)).toBe(false)

    const { data: _data, ...rest } = scratchConfig()
    const preset: Preset = {
      id: 'p1',
      name: 'Mine',
      description: '',
      builtIn: false,
      config: { ...rest, data: { validationSplit: 0.2 } },
    }
    registry.putPreset(preset)
    // Stored as the contract parses it (defaults filled in).
    expect(registry.listPresets()).toEqual([Preset.parse(preset)])
    expect(registry.deletePreset('p1')).toBe(true)
    expect(registry.listPresets()).toEqual([])
  })
})

describe('records damaged on disk', () => {
  /** Writes straight into the file, as a damaged disk or another program would. */
  function tamper(sql: string, ...params: unknown[]): void {
    const raw = new Database(store.file)
    raw.prepare(sql).run(...params)
    raw.close()
  }

  it('are an internal error naming the record, for a registry record and a run column alike', () => {
    registry.putDataset(dataset)
    tamper('UPDATE datasets SET info_json = ? WHERE id = ?', '{"id":', dataset.id)
    expectCode(() => registry.getDataset(dataset.id), 'internal', /^dataset cifar10: stored JSON is invalid/)
    tamper('UPDATE datasets SET info_json = ? WHERE id = ?', JSON.stringify({ ...dataset, classNames: 'x' }), dataset.id)
    expectCode(
      () => registry.listDatasets(),
      'internal',
      /^dataset cifar10: stored record does not match its schema \(classNames: /,
    )

    const run = store.runs.createRun({ config: scratchConfig() })
    tamper('UPDATE run_payloads SET config_json = ? WHERE run_id = ?', '{"name": 3}', run.id)
    expectCode(
      () => store.runs.getRun(run.id),
      'internal',
      new RegExp(`^run ${run.id}, column config_json: stored record does not match its schema`),
    )
    // The summary reads no JSON column: the list still works, so the run can be found and deleted.
    expect(store.runs.listRuns({}).items.map((r) => r.id)).toEqual([run.id])
  })
})

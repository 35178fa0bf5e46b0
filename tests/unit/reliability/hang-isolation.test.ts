import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'
import { BaseInspector } from '../../../src-main/base-models/inspector'
import { ModelService } from '../../../src-main/base-models/model-service'
import { SourceDecoder } from '../../../src-main/data/decoder'
import { importDataset, type DatasetRegistry } from '../../../src-main/data/importer'
import { writeCifarBinary } from '../data/fixtures'
import { tinyBase, writeLayersModel } from '../training/fixtures'

// A decoder or model loader stuck in a synchronous loop cannot be interrupted on its own thread.
// Dataset sources decode, and imported bases load, in watched workers that beat while their event
// loop is free; one that goes silent past the bound is terminated and the import fails saying so,
// registering nothing, while this (the main) thread stays free throughout.

const root = mkdtempSync(join(tmpdir(), 'decode-hang-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function memoryBaseRegistry() {
  const rows = new Map<string, BaseModelInfo>()
  return {
    putBaseModel: (info: BaseModelInfo) => void rows.set(info.id, info),
    listBaseModels: () => [...rows.values()],
    getBaseModel: (id: string) => rows.get(id) ?? null,
    deleteBaseModel: (id: string) => rows.delete(id),
  }
}

function memoryRegistry(): DatasetRegistry {
  const rows = new Map<string, DatasetInfo>()
  return {
    putDataset: (info) => void rows.set(info.id, info),
    listDatasets: () => [...rows.values()],
    getDataset: (id) => rows.get(id) ?? null,
    deleteDataset: (id) => rows.delete(id),
  }
}

describe('a decoder that never returns', () => {
  it('is stopped after the stated silence, fails the import with a clear error, and the next import works', async () => {
    const source = join(root, 'source')
    writeCifarBinary(source, 10)
    const dataDir = join(root, 'data')
    const registry = memoryRegistry()
    const hanging = new SourceDecoder({ bundled: 'none.js', source: 'tests/fixtures/data/hanging-worker.ts' })
    // The main thread keeps turning while the worker spins: these ticks prove it.
    let ticks = 0
    const ticker = setInterval(() => ticks++, 50)
    try {
      const error = await importDataset(dataDir, registry, source, {
        imageSize: 32,
        testRatio: 0.2,
        splitSeed: 1,
        decoder: hanging,
        stallMs: 3000,
      }).catch((e: Error) => e)
      expect((error as Error).message).toBe(
        `${source}: the decoder gave no sign of life for 3 s and was stopped; the file is damaged or built to hang a decoder`,
      )
    } finally {
      clearInterval(ticker)
      hanging.close()
    }
    expect(ticks).toBeGreaterThan(20)
    expect(registry.listDatasets()).toEqual([])
    const datasets = join(dataDir, 'datasets')
    expect(existsSync(datasets) ? readdirSync(datasets) : []).toEqual([])
    // The shared decoder (the real worker) imports the same source.
    const info = await importDataset(dataDir, registry, source, { imageSize: 32, testRatio: 0.2, splitSeed: 1 })
    expect(info.totals).toEqual({ train: 50, test: 10 })
  }, 120_000)

  it('a base whose loading never returns is stopped after the stated silence, nothing is copied or registered, and the next import works', async () => {
    const dir = await writeLayersModel(tinyBase(), join(root, 'tiny-base'))
    const dataDir = join(root, 'models-data')
    const registry = memoryBaseRegistry()
    const hanging = new BaseInspector(3000, { bundled: 'none.js', source: 'tests/fixtures/data/hanging-worker.ts' })
    const stuck = new ModelService({ dataDir, registry, kerasCacheDir: null, inspector: hanging })
    let ticks = 0
    const ticker = setInterval(() => ticks++, 50)
    try {
      const error = await stuck.import({ path: dir }).catch((e: Error) => e)
      expect((error as Error).message).toBe(
        `${dir}: loading the model gave no sign of life for 3 s and was stopped; the file is damaged or built to hang a loader`,
      )
    } finally {
      clearInterval(ticker)
      hanging.close()
    }
    expect(ticks).toBeGreaterThan(20)
    expect(registry.listBaseModels()).toEqual([])
    const models = join(dataDir, 'models')
    expect(existsSync(models) ? readdirSync(models) : []).toEqual([])
    const info = await new ModelService({ dataDir, registry, kerasCacheDir: null }).import({ path: dir })
    expect(info.summary?.totalParams).toBeGreaterThan(0)
    expect(registry.listBaseModels().map((b) => b.id)).toEqual([info.id])
  }, 120_000)
})

import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { RunDetail } from '@shared/domain/run'
import { createCore } from '../../../src-main/core/compose'
import type { Core } from '../../../src-main/core/core'
import { freeBytes } from '../../../src-main/core/disk-full'
import { sqliteNativeBinding } from '../../../src-main/core/native'
import { exportLayersModel } from '../../../src-main/engine/evaluation/export-model'
import { topKPredictions, writePredictionsFile } from '../../../src-main/engine/evaluation/predictions'
import { readBundle, writeBundle } from '../../../src-main/store/bundle-files'
import { tinyBase, writeLayersModel, writeSyntheticCifar } from '../training/fixtures'
import { waitFinal } from '../../support/runs'

// The data directory on a filesystem of 16 MB (a tmpfs) filled up before each write: every import,
// training write and export fails saying the disk is full, leaves no partial file and no half
// registered row (the SQLite file passes its integrity check), and works once space is freed.

const root = mkdtempSync(join(tmpdir(), 'full-disk-'))
const mount = join(root, 'disk')
const FULL = /^the disk holding .+ is full \(.*free\); free some space and try again$/

function tryMount(): string | null {
  if (process.platform !== 'linux') return `tmpfs mounts need Linux (this is ${process.platform})`
  mkdirSync(mount, { recursive: true })
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mount], { stdio: 'pipe' })
    return null
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim()
    return `cannot mount a tmpfs (needs root or CAP_SYS_ADMIN): ${stderr || (error as Error).message}`
  }
}
const skipReason = tryMount()
if (skipReason) console.warn(`full-disk tests skipped: ${skipReason}`)

const dataDir = join(mount, 'data')
const ballast = join(mount, 'ballast')
let core: Core

/** Fills the filesystem until only `leave` bytes are free (0: until a write fails). */
function fill(leave: number): void {
  const fd = openSync(ballast, 'a')
  const chunk = Buffer.alloc(64 * 1024)
  try {
    for (let left = freeBytes(mount)! - leave; left > 0; left -= chunk.length)
      writeSync(fd, chunk, 0, Math.min(chunk.length, left))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error
  } finally {
    closeSync(fd)
  }
}

function release(): void {
  rmSync(ballast, { force: true })
}

/** Every file and folder under `dir` (relative paths). */
function walk(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return []
  return readdirSync(dir).flatMap((name) => {
    const rel = prefix ? `${prefix}/${name}` : name
    return statSync(join(dir, name)).isDirectory() ? [rel, ...walk(join(dir, name), rel)] : [rel]
  })
}

/** Temporary or partial files an interrupted write would leave. */
function leftovers(dir = dataDir): string[] {
  return walk(dir).filter((p) => /(^|\/)\.tmp-|\.tmp(-\d+)?($|\/)|(^|\/)\.import-|\.part$/.test(p))
}

/** The database file is whole: SQLite's own integrity check, on a connection of its own. */
function integrity(): string {
  const nativeBinding = sqliteNativeBinding()
  const db = new Database(join(dataDir, 'workbench.sqlite'), nativeBinding ? { nativeBinding } : {})
  try {
    return (db.pragma('integrity_check') as Array<{ integrity_check: string }>).map((r) => r.integrity_check).join('; ')
  } finally {
    db.close()
  }
}

async function rows() {
  return {
    datasets: (await core.call('datasets.list', {})).map((d) => d.id),
    models: (await core.call('models.list', {})).map((m) => m.id),
    runs: (await core.call('runs.list', {})).items.map((r) => r.id),
  }
}

describe.skipIf(skipReason !== null)('a full disk under the data directory', () => {
  let datasetSource: string
  let baseSource: string
  let dataset: DatasetInfo
  let baseId: string
  let trained: RunDetail

  beforeAll(async () => {
    datasetSource = writeSyntheticCifar(join(root, 'source'), 40)
    baseSource = await writeLayersModel(tinyBase(), join(root, 'tiny-base'))
    core = await createCore({ dataDir, shell: 'cli' })
  })
  afterAll(async () => {
    await core?.close()
    if (!skipReason) execFileSync('umount', [mount])
    rmSync(root, { recursive: true, force: true })
  })

  it('a dataset import fails saying so, registers nothing, and succeeds once space is freed', async () => {
    const before = await rows()
    fill(64 * 1024)
    const error = await core.call('datasets.import', { path: datasetSource, name: 'generated' }).catch((e: Error) => e)
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(FULL)
    expect((error as Error).message).toMatch(/needed about 7\d\d KB/)
    expect(await rows()).toEqual(before)
    expect(leftovers()).toEqual([])
    expect(walk(join(dataDir, 'datasets'))).toEqual([])
    expect(integrity()).toBe('ok')
    release()
    dataset = await core.call('datasets.import', { path: datasetSource, name: 'generated' })
    expect((await rows()).datasets).toContain(dataset.id)
    expect(dataset.totals).toEqual({ train: 200, test: 40 })
  })

  it('a base import fails saying so, copies and registers nothing, and succeeds once space is freed', async () => {
    const before = await rows()
    fill(0)
    const error = await core.call('models.import', { path: baseSource }).catch((e: Error) => e)
    expect((error as Error).message).toMatch(FULL)
    expect(await rows()).toEqual(before)
    expect(leftovers()).toEqual([])
    expect(existsSync(join(dataDir, 'models', 'tiny-base'))).toBe(false)
    release()
    expect(integrity()).toBe('ok')
    const base = await core.call('models.import', { path: baseSource })
    baseId = base.id
    expect((await rows()).models).toContain(base.id)
    expect(existsSync(join(dataDir, base.path))).toBe(true)
  })

  // Dense 64 on 16x16x4: 65k weights, a checkpoint (weights and Adam's two moments) of about 800 KB.
  const config = (name: string) =>
    ExperimentConfig.parse({
      name,
      data: { datasetId: dataset.id, validationSplit: 0.2 },
      model: { kind: 'scratch', convBlocks: 1, filters: [4], denseUnits: 64 },
      training: { epochs: 2, batchSize: 16, seed: 3 },
    })

  it('a run whose checkpoint does not fit fails saying so, leaves no partial checkpoint, and the next run completes', async () => {
    // Room for the run's rows in the database, not for its first checkpoint.
    fill(320 * 1024)
    const { runIds } = await core.call('training.start', { config: config('on a full disk') })
    const failed = await waitFinal(core, runIds[0]!)
    expect(failed.status).toBe('failed')
    expect(failed.failureMessage).toMatch(FULL)
    expect(failed.artifacts.filter((a) => a.kind === 'model')).toEqual([])
    expect(leftovers()).toEqual([])
    expect(integrity()).toBe('ok')
    release()
    const { runIds: next } = await core.call('training.start', { config: config('after freeing space') })
    trained = await waitFinal(core, next[0]!)
    expect(trained.status).toBe('completed')
    expect(trained.epochs).toHaveLength(2)
    expect(trained.artifacts.map((a) => a.kind).sort()).toEqual(['checkpoint', 'model'])
  }, 300_000)

  it('a transfer run whose activation cache does not fit fails saying so and leaves no partial cache', async () => {
    // The fine-tuning activations of 240 images (16x16x8 float32, 1.9 MB) against 320 KB free.
    fill(320 * 1024)
    const transfer = ExperimentConfig.parse({
      name: 'caching on a full disk',
      data: { datasetId: dataset.id, validationSplit: 0.2 },
      model: {
        kind: 'transfer',
        baseId,
        inputSize: 32,
        headDropout: 0,
        fineTune: { enabled: true, epochs: 1, learningRate: 1e-3, trainableLayers: 4 },
      },
      training: { epochs: 1, batchSize: 32, seed: 3 },
    })
    const { runIds } = await core.call('training.start', { config: transfer })
    const failed = await waitFinal(core, runIds[0]!)
    expect(failed.status).toBe('failed')
    expect(failed.failureMessage).toMatch(FULL)
    expect(leftovers()).toEqual([])
    release()
    expect(integrity()).toBe('ok')
    const { runIds: next } = await core.call('training.start', { config: transfer })
    expect((await waitFinal(core, next[0]!)).status).toBe('completed')
  }, 300_000)

  it("a run's model folder and predictions file are written whole or not at all", async () => {
    const model = tinyBase(2)
    const probs = new Float32Array(40 * 10).fill(0.1)
    const predictions = topKPredictions(
      probs,
      Array.from({ length: 40 }, (_, i) => i % 10),
      Array.from({ length: 40 }, (_, i) => i),
      10,
    )
    const runDir = join(dataDir, 'runs', 'artifacts-on-a-full-disk')
    try {
      fill(0)
      await expect(exportLayersModel(model, join(runDir, 'model'))).rejects.toMatchObject({ code: 'ENOSPC' })
      await expect(writePredictionsFile(runDir, predictions)).rejects.toMatchObject({ code: 'ENOSPC' })
      expect(walk(runDir)).toEqual([])
      release()
      await exportLayersModel(model, join(runDir, 'model'))
      await writePredictionsFile(runDir, predictions)
      expect(walk(runDir).sort()).toEqual(['model', 'model/model.json', 'model/weights.bin', 'predictions.bin'])
    } finally {
      release()
      model.dispose()
      rmSync(runDir, { recursive: true, force: true })
    }
  })

  it('a model export fails saying so, leaves no folder, and succeeds once space is freed', async () => {
    const out = join(mount, 'exported')
    fill(16 * 1024)
    const error = await core.call('inference.exportModel', { id: trained.id, format: 'tfjs', out }).catch((e: Error) => e)
    expect((error as Error).message).toMatch(FULL)
    expect(walk(mount).filter((p) => p.startsWith('exported'))).toEqual([])
    release()
    const result = await core.call('inference.exportModel', { id: trained.id, format: 'tfjs', out })
    expect(result.files.map((f) => f.name)).toContain('weights.bin')
  })

  it('a bundle export fails saying so, leaves no file, and succeeds once space is freed', async () => {
    const bundle = await core.call('runs.export', { ids: [trained.id] })
    const asFile = join(mount, 'bundle.json')
    const asFolder = join(mount, 'bundle')
    fill(0)
    expect(() => writeBundle(bundle, asFile)).toThrow(FULL)
    expect(() => writeBundle(bundle, asFolder)).toThrow(FULL)
    expect(walk(mount).filter((p) => p.startsWith('bundle'))).toEqual([])
    release()
    expect(writeBundle(bundle, asFile)).toEqual([asFile])
    expect(writeBundle(bundle, asFolder)).toHaveLength(2)
    expect(readBundle(asFile).runs.map((r) => r.id)).toEqual([trained.id])
  })

  it('a bundle import into a database that cannot grow fails saying so, rolls back whole, and succeeds once space is freed', async () => {
    const bundle = readBundle(join(mount, 'bundle.json'))
    await core.call('runs.delete', { ids: [trained.id] })
    const before = await rows()
    fill(0)
    const error = await core.call('runs.import', { bundle }).catch((e: Error) => e)
    expect((error as Error).message).toMatch(FULL)
    release()
    expect(await rows()).toEqual(before)
    expect(integrity()).toBe('ok')
    const result = await core.call('runs.import', { bundle })
    expect(result.imported).toEqual([trained.id])
    const back = await core.call('runs.get', { id: trained.id })
    expect(back.epochs).toHaveLength(2)
    expect(back.evaluation?.accuracy).toBe(trained.evaluation?.accuracy)
  })
})

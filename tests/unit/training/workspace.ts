import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'
import { createCore } from '../../../src-main/core/compose'
import type { Core } from '../../../src-main/core/core'
import type { GpuHost } from '../../../src-main/engine/backend/gpu-host'
import { mobilenetDir, tinyBase, writeImageFolder, writeLayersModel, writeSyntheticCifar } from './fixtures'

export interface Workspace {
  dir: string
  core: Core
  dataset: DatasetInfo
  /** The registered transfer base: the generated tiny base, or the shared MobileNetV2. */
  base: BaseModelInfo
  /** Where the base was imported from (its original weights, to compare a trained model against). */
  baseDir: string
  dispose(): Promise<void>
}

/**
 * A data directory (created by the core itself) with a dataset imported by the app's own importer and
 * a base model registered through it: generated data and the generated tiny base, or with `real`, the
 * first N JPEGs per class of the shared CIFAR-10 (as an image-folder tree) and the shared MobileNetV2.
 */
export async function makeWorkspace(
  options: ({ real: { train: number; test: number } } | { perBatch: number }) & { gpuHost?: GpuHost },
): Promise<Workspace> {
  const root = mkdtempSync(join(tmpdir(), 'training-ws-'))
  const dir = join(root, 'data')
  const core = await createCore({ dataDir: dir, shell: 'cli', ...(options.gpuHost ? { gpuHost: options.gpuHost } : {}) })
  try {
    const real = 'real' in options
    const source = real
      ? await writeImageFolder(join(root, 'source'), options.real)
      : writeSyntheticCifar(join(root, 'source'), options.perBatch)
    const baseDir = real ? mobilenetDir : await writeLayersModel(tinyBase(), join(root, 'tiny-base'))
    const dataset = await core.call('datasets.import', { path: source, name: real ? 'cifar subset' : 'generated cifar' })
    // Real runs use the MobileNetV2 the app registers on start (the same files as the shared folder's).
    const base = real
      ? await core.call('models.get', { id: 'mobilenetv2-imagenet' })
      : await core.call('models.import', { path: baseDir })
    return {
      dir,
      core,
      dataset,
      base,
      baseDir,
      async dispose() {
        await core.close()
        rmSync(root, { recursive: true, force: true })
      },
    }
  } catch (error) {
    await core.close()
    rmSync(root, { recursive: true, force: true })
    throw error
  }
}

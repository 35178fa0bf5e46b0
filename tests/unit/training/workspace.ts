import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DatasetInfo } from '@shared/domain/dataset'
import type { BaseModelInfo } from '@shared/domain/model'
import { createCore } from '../../../src-main/core/compose'
import type { Core } from '../../../src-main/core/core'
import { mobilenetDir, writeImageFolder } from './fixtures'

export interface Workspace {
  dir: string
  core: Core
  dataset: DatasetInfo
  mobilenet: BaseModelInfo
  dispose(): Promise<void>
}

/**
 * A data directory with a real CIFAR-10 subset imported by the app's own importer (an image-folder
 * tree of the first N JPEGs per class) and the shared MobileNetV2 registered.
 */
export async function makeWorkspace(perClass: { train: number; test: number }): Promise<Workspace> {
  const dir = mkdtempSync(join(tmpdir(), 'training-ws-'))
  const folder = await writeImageFolder(join(dir, 'source'), perClass)
  const core = await createCore({ dataDir: join(dir, 'data'), shell: 'cli' })
  const dataset = await core.call('datasets.import', { path: folder, name: 'cifar subset' })
  const mobilenet = await core.call('models.import', { path: mobilenetDir })
  return {
    dir: join(dir, 'data'),
    core,
    dataset,
    mobilenet,
    async dispose() {
      await core.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

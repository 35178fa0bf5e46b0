import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { BaseModelInfo } from '@shared/index'
import { BUNDLED_PATH_PREFIX, readBundledBases, type BundledBase } from '../engine/architectures/bundled-bases'
import { ModelService, type BaseRegistry } from './model-service'

/** Register the bases this install ships that the registry lacks; returns the ids it added. */
export function registerBundledBases(registry: BaseRegistry, bases: BundledBase[] = readBundledBases()): string[] {
  const added: string[] = []
  for (const base of bases) {
    if (registry.getBaseModel(base.id)) continue
    registry.putBaseModel({ ...base, registeredAt: new Date().toISOString() })
    added.push(base.id)
  }
  return added
}

/** How the bases that ship are named in lists (their model.json names are file-like ids). */
const DISPLAY_NAMES: Record<string, string> = {
  'mobilenetv2-imagenet': 'MobileNetV2 1.0 (ImageNet)',
  'squeezenet1.1-imagenet': 'SqueezeNet 1.1 (ImageNet)',
}

/** A registry held in memory, for describing folders without a data directory's store. */
function memoryRegistry(): BaseRegistry {
  const rows = new Map<string, BaseModelInfo>()
  return {
    putBaseModel: (info) => void rows.set(info.id, info),
    listBaseModels: () => [...rows.values()],
    getBaseModel: (id) => rows.get(id) ?? null,
    deleteBaseModel: (id) => rows.delete(id),
  }
}

/**
 * The bases.json entry of each tfjs folder, computed by the same import that users run (validation,
 * family, cut layer, preprocessing, summary, sha256), with the path pointing into the install.
 */
export async function describeBundledFolders(folders: string[]): Promise<BundledBase[]> {
  const scratch = await mkdtemp(join(tmpdir(), 'cifar-workbench-bundled-'))
  try {
    const service = new ModelService({ dataDir: scratch, registry: memoryRegistry(), kerasCacheDir: null })
    const out: BundledBase[] = []
    for (const folder of folders) {
      const { registeredAt: _registeredAt, ...info } = await service.import({ path: folder })
      out.push({
        ...info,
        name: DISPLAY_NAMES[info.id] ?? info.name,
        path: `${BUNDLED_PATH_PREFIX}${info.id}`,
        source: `${info.source} (ships with CIFAR Workbench, Apache-2.0)`,
      })
    }
    return out
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

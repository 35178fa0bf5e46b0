import { existsSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { ContractError } from '@shared/contract'
import type { BaseModelInfo } from '@shared/index'
import { bundledFolder, isBundledPath } from './bundled-bases'
import { isKerasFamily, loadKerasBase } from './keras'
import { loadTimmBase, timmArchOfFamily } from './timm'
import { loadTfjsFolder } from './tfjs-folder'
import type { LoadedBase } from './types'

/** Where a registered base's files are: in the install for bundled bases, else relative to the data directory or absolute. */
export function resolveBasePath(dataDir: string, info: BaseModelInfo): string {
  if (isBundledPath(info.path)) return bundledFolder(info.path)
  return isAbsolute(info.path) ? info.path : join(dataDir, info.path)
}

/** Load a registered base from its files; usable in a training worker without the store. */
export async function loadBaseFromInfo(dataDir: string, info: BaseModelInfo): Promise<LoadedBase> {
  const path = resolveBasePath(dataDir, info)
  if (!existsSync(path)) {
    throw new ContractError('not_found', `base ${info.id}: its files are missing at ${path}; delete it and import it again`)
  }
  try {
    if (info.format === 'tfjs-layers') return { info, model: await loadTfjsFolder(path) }
    if (info.format === 'safetensors') {
      const arch = timmArchOfFamily(info.family)
      if (!arch) throw new Error(`a .safetensors base must be one of timm's architectures, the registry says ${info.family}`)
      return { info, model: (await loadTimmBase(path, arch)).model }
    }
    if (!isKerasFamily(info.family)) {
      throw new Error(`a Keras .h5 base must be a Keras application we define, the registry says ${info.family}`)
    }
    const { model } = await loadKerasBase(path, info.family)
    return { info, model }
  } catch (error) {
    if (error instanceof ContractError) throw error
    throw new ContractError('failed', `base ${info.id}: ${(error as Error).message}`)
  }
}

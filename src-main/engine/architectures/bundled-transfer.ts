// A transfer model on one of the bases that ship with the app (resources/bases), set up for its
// fine-tuning phase: what the benchmarks and the backend checks train without a data directory.
import { join } from 'node:path'
import type { TransferModelConfig } from '@shared/domain/config'
import { buildModel, loadTfjsFolder } from '.'
import { bundledBasesDir, readBundledBases } from './bundled-bases'
import type { BuiltModel } from './types'

export async function buildFineTuningOnBundledBase(config: TransferModelConfig, seed: number): Promise<BuiltModel> {
  const dir = bundledBasesDir()
  const info = readBundledBases(dir ?? undefined).find((b) => b.id === config.baseId)
  if (!dir || !info) throw new Error(`the bundled base ${config.baseId} (resources/bases) is missing`)
  const base = await loadTfjsFolder(join(dir, info.id))
  const built = buildModel(config, {
    numClasses: 10,
    imageSize: 32,
    seed,
    base: { info: { ...info, registeredAt: '' }, model: base },
  })
  base.dispose()
  built.setPhase('finetune', config.fineTune)
  return built
}

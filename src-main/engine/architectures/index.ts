import type { ModelConfig } from '@shared/index'
import { buildScratch } from './scratch'
import { buildTransfer } from './transfer'
import type { BuildOptions, BuiltModel } from './types'

export type { BuildOptions, BuiltModel, LoadedBase } from './types'
export { summarizeModel } from './summary'
export { FAMILY_DEFAULTS } from './base-defaults'
export { recogniseBaseFamily } from './base-family'
export { inspectTfjsFolder, loadTfjsFolder } from './tfjs-folder'
export { cutBase } from './transfer'
export { loadBaseFromInfo } from './load-base'

/** Build the network an experiment describes: a CNN from scratch, or a frozen base with a new head. */
export function buildModel(config: ModelConfig, opts: BuildOptions): BuiltModel {
  if (config.kind === 'scratch') {
    return buildScratch(config, { numClasses: opts.numClasses, imageSize: opts.imageSize, seed: opts.seed })
  }
  if (!opts.base) throw new Error(`a transfer model needs its base "${config.baseId}" loaded`)
  if (opts.base.info.id !== config.baseId) {
    throw new Error(`the loaded base is "${opts.base.info.id}" but the model config asks for "${config.baseId}"`)
  }
  return buildTransfer(config, opts.base, { numClasses: opts.numClasses, seed: opts.seed })
}

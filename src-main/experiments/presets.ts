import { ContractError } from '@shared/contract'
import { Preset } from '@shared/contract/methods'
import { ExperimentConfig, SEED_CNN, SEED_CNN_NAME } from '@shared/domain/config'
import { chooseBase, familyOfBaseId, IMAGENET_BASE_IDS, type BaseModelInfo } from '@shared/domain/model'

/**
 * Built-in presets: the assignment's Seed CNN, and MobileNetV2 / SqueezeNet transfer at 96 px. The
 * transfer presets name the known ImageNet base's registry id; `resolveBase` falls back to another
 * registered base of the same family by the one rule in `chooseBase`.
 */
export const BUILT_IN_PRESETS: Preset[] = [
  Preset.parse({
    id: 'seed-cnn',
    name: SEED_CNN_NAME,
    description: 'Conv(32)-Pool-Conv(64)-Pool-Flatten-Dense(512)-Dense(10), Adam 1e-3, 10 epochs, from scratch.',
    builtIn: true,
    config: {
      name: SEED_CNN_NAME,
      data: {},
      model: SEED_CNN,
      training: { epochs: 10, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
    },
  }),
  Preset.parse({
    id: 'mobilenetv2-transfer',
    name: 'MobileNetV2 transfer',
    description: 'ImageNet MobileNetV2 frozen at 96 px with a GAP-Dense(256)-Dropout head (5 epochs), then 1 epoch fine-tuning its last two blocks at 1e-4.',
    builtIn: true,
    config: {
      name: 'MobileNetV2 transfer',
      data: {},
      model: {
        kind: 'transfer',
        baseId: IMAGENET_BASE_IDS.mobilenetv2,
        inputSize: 96,
        headPooling: 'gap',
        headUnits: 256,
        headDropout: 0.5,
        // head_conv + block_16 + block_15 (expand, depthwise, project): the last two blocks.
        fineTune: { enabled: true, epochs: 1, learningRate: 1e-4, trainableLayers: 7 },
      },
      training: { epochs: 5, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
    },
  }),
  Preset.parse({
    id: 'squeezenet-transfer',
    name: 'SqueezeNet transfer',
    description: 'ImageNet SqueezeNet 1.1 frozen at 96 px with a GAP-Dense(256)-Dropout head, 5 epochs.',
    builtIn: true,
    config: {
      name: 'SqueezeNet transfer',
      data: {},
      model: { kind: 'transfer', baseId: IMAGENET_BASE_IDS.squeezenet, inputSize: 96, headPooling: 'gap', headUnits: 256, headDropout: 0.5 },
      training: { epochs: 5, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
    },
  }),
]

const HOW_TO_GET: Record<string, string> = {
  mobilenetv2:
    'register one with `cifar-workbench models import resources/bases/mobilenetv2-imagenet` (a TensorFlow.js folder) or `cifar-workbench models download mobilenetv2` (the Keras no-top file)',
  squeezenet: 'register one with `cifar-workbench models import resources/bases/squeezenet1.1-imagenet` (a TensorFlow.js folder)',
}

/** The registered base a preset should use (see `chooseBase`), or an error saying how to get one. */
export function resolveBase(baseId: string, bases: BaseModelInfo[]): BaseModelInfo {
  const chosen = chooseBase(bases, { id: baseId })
  if (chosen) return chosen
  const fam = familyOfBaseId(baseId)
  const how = fam ? HOW_TO_GET[fam] : null
  throw new ContractError('not_found', `no ${fam ?? baseId} base is registered; ${how ?? 'register one with `cifar-workbench models import PATH`'}`)
}

/** A full experiment config from a preset: the dataset filled in and the base resolved in the registry. */
export function configFromPreset(preset: Preset, datasetId: string, bases: BaseModelInfo[]): ExperimentConfig {
  const raw = { ...preset.config, data: { ...preset.config.data, datasetId } }
  if (raw.model.kind === 'transfer') {
    const base = resolveBase(raw.model.baseId, bases)
    raw.model = { ...raw.model, baseId: base.id }
  }
  return ExperimentConfig.parse(raw)
}

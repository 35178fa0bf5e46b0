import { ContractError } from '@shared/contract'
import { Preset } from '@shared/contract/methods'
import { ExperimentConfig } from '@shared/domain/config'
import type { BaseFamily, BaseModelInfo } from '@shared/domain/model'

/**
 * Built-in presets: the assignment's Seed CNN, and MobileNetV2 / SqueezeNet transfer at 96 px. The
 * transfer presets name the shared base's registry id; `resolveBase` falls back to any registered base
 * of the same family.
 */
export const BUILT_IN_PRESETS: Preset[] = [
  Preset.parse({
    id: 'seed-cnn',
    name: 'Seed CNN',
    description: 'Conv(32)-Pool-Conv(64)-Pool-Flatten-Dense(512)-Dense(10), Adam 1e-3, 10 epochs, from scratch.',
    builtIn: true,
    config: {
      name: 'Seed CNN',
      data: {},
      model: {
        kind: 'scratch',
        convBlocks: 2,
        filters: [32, 64],
        kernelSize: 3,
        convsPerBlock: 1,
        denseUnits: 512,
        pooling: 'flatten',
      },
      training: { epochs: 10, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
    },
  }),
  Preset.parse({
    id: 'mobilenetv2-transfer',
    name: 'MobileNetV2 transfer',
    description:
      'ImageNet MobileNetV2 frozen at 96 px with a GAP-Dense(256)-Dropout head (5 epochs), then 1 epoch fine-tuning its last two blocks at 1e-4.',
    builtIn: true,
    config: {
      name: 'MobileNetV2 transfer',
      data: {},
      model: {
        kind: 'transfer',
        baseId: 'mobilenetv2-imagenet',
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
      model: {
        kind: 'transfer',
        baseId: 'squeezenet1.1-imagenet',
        inputSize: 96,
        headPooling: 'gap',
        headUnits: 256,
        headDropout: 0.5,
      },
      training: { epochs: 5, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
    },
  }),
]

const FAMILY_OF_PRESET: Record<string, BaseFamily> = {
  'mobilenetv2-transfer': 'mobilenetv2',
  'squeezenet-transfer': 'squeezenet',
}

const HOW_TO_GET: Record<string, string> = {
  mobilenetv2:
    'register one with `cifar-workbench models import ../shared/models/mobilenetv2-imagenet` (a TensorFlow.js folder) or `cifar-workbench models download mobilenetv2` (the Keras no-top file)',
  squeezenet:
    'register one with `cifar-workbench models import ../shared/models/squeezenet1.1-imagenet` (a TensorFlow.js folder)',
}

/** The registered base a preset should use: its own id if registered, else one of its family (tfjs first). */
export function resolveBase(baseId: string, family: BaseFamily | null, bases: BaseModelInfo[]): BaseModelInfo {
  const exact = bases.find((b) => b.id === baseId)
  if (exact) return exact
  const fam = family ?? bases.find((b) => b.id === baseId)?.family ?? null
  const candidates = bases
    .filter((b) => b.family === fam)
    .sort((a, b) => (a.format === b.format ? 0 : a.format === 'tfjs-layers' ? -1 : 1))
  if (candidates[0]) return candidates[0]
  const how = fam ? HOW_TO_GET[fam] : null
  throw new ContractError(
    'not_found',
    `no ${fam ?? baseId} base is registered; ${how ?? 'register one with `cifar-workbench models import PATH`'}`,
  )
}

/** A full experiment config from a preset: the dataset filled in and the base resolved in the registry. */
export function configFromPreset(preset: Preset, datasetId: string, bases: BaseModelInfo[]): ExperimentConfig {
  const raw = { ...preset.config, data: { ...preset.config.data, datasetId } }
  if (raw.model.kind === 'transfer') {
    const base = resolveBase(raw.model.baseId, FAMILY_OF_PRESET[preset.id] ?? null, bases)
    raw.model = { ...raw.model, baseId: base.id }
  }
  return ExperimentConfig.parse(raw)
}

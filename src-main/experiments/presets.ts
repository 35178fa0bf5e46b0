import { ContractError } from '@shared/contract'
import { Preset } from '@shared/contract/methods'
import { ExperimentConfig, SEED_CNN, SEED_CNN_NAME } from '@shared/domain/config'
import { chooseBase, familyOfBaseId, IMAGENET_BASE_IDS, type BaseModelInfo } from '@shared/domain/model'

/**
 * Built-in presets: the assignment's Seed CNN and VGG16 transfer (32 px), MobileNetV2 / SqueezeNet
 * transfer at 96 px. The transfer presets name the known base's registry id; `resolveBase` falls back
 * to another registered base of the same family by the one rule in `chooseBase`.
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
    description:
      'ImageNet MobileNetV2 frozen at 96 px with a GAP-Dense(256)-Dropout head (5 epochs), then 1 epoch fine-tuning its last two blocks at 1e-4.',
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
      model: {
        kind: 'transfer',
        baseId: IMAGENET_BASE_IDS.squeezenet,
        inputSize: 96,
        headPooling: 'gap',
        headUnits: 256,
        headDropout: 0.5,
      },
      training: { epochs: 5, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
    },
  }),
  // The course report's model: Keras' VGG16 without its top at its 32 px minimum, as the assignment uses it.
  Preset.parse({
    id: 'vgg16-transfer',
    name: 'VGG16 transfer (assignment)',
    description:
      'Keras VGG16 (ImageNet, no top) frozen at 32 px, Flatten-Dense(256, ReLU)-Dropout(0.5)-Dense(10) head, Adam 1e-3, 10 epochs; ' +
      'fine-tuning block5 at 1e-5 can be switched on. Needs `cifar-workbench models download vgg16` (or the file in ~/.keras/models).',
    builtIn: true,
    config: {
      name: 'VGG16 transfer',
      data: {},
      model: {
        kind: 'transfer',
        baseId: 'vgg16-keras',
        inputSize: 32,
        headPooling: 'flatten',
        headUnits: 256,
        headDropout: 0.5,
        fineTune: { enabled: false, epochs: 2, learningRate: 1e-5, trainableLayers: null, fromLayer: 'block5_conv1' },
      },
      training: { epochs: 10, batchSize: 64, optimizer: 'adam', learningRate: 1e-3 },
    },
  }),
]

const HOW_TO_GET: Record<string, string> = {
  mobilenetv2:
    'register one with `cifar-workbench models import resources/bases/mobilenetv2-imagenet` (a TensorFlow.js folder) or `cifar-workbench models download mobilenetv2` (the Keras no-top file)',
  squeezenet: 'register one with `cifar-workbench models import resources/bases/squeezenet1.1-imagenet` (a TensorFlow.js folder)',
  vgg16:
    "get Keras' VGG16 no-top weights with `cifar-workbench models download vgg16` (vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5, " +
    'MD5 checked; taken from ~/.keras/models when Keras already downloaded it), or register such a file with `cifar-workbench models import FILE.h5`',
}

/** The registered base a preset should use (see `chooseBase`), or an error saying how to get one. */
export function resolveBase(baseId: string, bases: BaseModelInfo[]): BaseModelInfo {
  const chosen = chooseBase(bases, { id: baseId })
  if (chosen) return chosen
  const fam = familyOfBaseId(baseId)
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
    const base = resolveBase(raw.model.baseId, bases)
    raw.model = { ...raw.model, baseId: base.id }
  }
  return ExperimentConfig.parse(raw)
}

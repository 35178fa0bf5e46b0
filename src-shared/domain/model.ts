import { z } from 'zod'
import { ModelSummary } from './run'

/** How a base expects its input pixels (0..255 RGB) to be scaled. */
export const Preprocessing = z.enum([
  'unit', // x / 255 (the seed CNN)
  'imagenet-mean-std', // (x / 255 - mean) / std, torchvision / ONNX zoo style
  'minus-one-one', // x / 127.5 - 1, Keras MobileNetV2 style
  'caffe', // RGB→BGR, minus ImageNet mean (Keras VGG16 style)
  'raw', // x unchanged (0..255): the model rescales and normalises itself (Keras EfficientNetB0)
])
export type Preprocessing = z.infer<typeof Preprocessing>

/** Keras Applications by their lowercase names; timm's models as `timm-<timm model name>`. */
export const BaseFamily = z.enum([
  'mobilenetv2',
  'squeezenet',
  'vgg16',
  'resnet50',
  'efficientnetb0',
  'timm-resnet18',
  'timm-resnet50',
  'timm-efficientnet_b0',
  'timm-mobilenetv3_large_100',
  'custom',
])
export type BaseFamily = z.infer<typeof BaseFamily>

/** How a base's files are stored: a tfjs model.json folder, a Keras .h5, a PyTorch state_dict as .safetensors. */
export const BaseFormat = z.enum(['tfjs-layers', 'keras-h5', 'safetensors'])
export type BaseFormat = z.infer<typeof BaseFormat>

/** A pretrained base registered in the workbench. */
export const BaseModelInfo = z.object({
  id: z.string(),
  name: z.string(),
  family: BaseFamily,
  format: BaseFormat,
  /** Relative to the data directory, or absolute when registered in place. */
  path: z.string(),
  sha256: z.string(),
  preprocessing: Preprocessing,
  /** Default layer whose output feeds the head. */
  defaultCutLayer: z.string(),
  minInputSize: z.number().int(),
  source: z.string(),
  summary: ModelSummary.nullable(),
  registeredAt: z.string(),
})
export type BaseModelInfo = z.infer<typeof BaseModelInfo>

/** Registry ids of the ImageNet bases the workbench knows by name, by family. */
export const IMAGENET_BASE_IDS = {
  mobilenetv2: 'mobilenetv2-imagenet',
  squeezenet: 'squeezenet1.1-imagenet',
} as const satisfies Partial<Record<BaseFamily, string>>

/** Registry ids of every base a built-in preset names: the bundled ones and Keras' VGG16 (`models download vgg16`). */
export const KNOWN_BASE_IDS = { ...IMAGENET_BASE_IDS, vgg16: 'vgg16-keras' } as const satisfies Partial<
  Record<BaseFamily, string>
>

/** The family a known base id stands for ("mobilenetv2-imagenet" → mobilenetv2), else null. */
export function familyOfBaseId(id: string): BaseFamily | null {
  const entry = Object.entries(KNOWN_BASE_IDS).find(([, known]) => known === id)
  return entry ? (entry[0] as BaseFamily) : null
}

/**
 * The one rule for picking a registered base: the id asked for when it is registered; else one of the
 * family (given, or the one the id stands for), TensorFlow.js folders before Keras .h5 files (a folder
 * loads as saved, an .h5 is rebuilt in code around its weights) and the most recently registered first.
 */
export function chooseBase(
  bases: readonly BaseModelInfo[],
  want: { id?: string | null; family?: BaseFamily | null },
): BaseModelInfo | null {
  const exact = want.id ? bases.find((b) => b.id === want.id) : undefined
  if (exact) return exact
  const family = want.family ?? (want.id ? familyOfBaseId(want.id) : null)
  if (!family) return null
  const formatRank = (b: BaseModelInfo) => (b.format === 'tfjs-layers' ? 0 : 1)
  const candidates = bases
    .filter((b) => b.family === family)
    .sort((a, b) => formatRank(a) - formatRank(b) || b.registeredAt.localeCompare(a.registeredAt))
  return candidates[0] ?? null
}

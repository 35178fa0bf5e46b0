import { z } from 'zod'
import { ModelSummary } from './run'

/** How a base expects its input pixels (0..255 RGB) to be scaled. */
export const Preprocessing = z.enum([
  'unit', // x / 255 (the seed CNN)
  'imagenet-mean-std', // (x / 255 - mean) / std, torchvision / ONNX zoo style
  'minus-one-one', // x / 127.5 - 1, Keras MobileNetV2 style
  'caffe', // RGB→BGR, minus ImageNet mean (Keras VGG16 style)
])
export type Preprocessing = z.infer<typeof Preprocessing>

export const BaseFamily = z.enum(['mobilenetv2', 'squeezenet', 'vgg16', 'custom'])
export type BaseFamily = z.infer<typeof BaseFamily>

/** A pretrained base registered in the workbench. */
export const BaseModelInfo = z.object({
  id: z.string(),
  name: z.string(),
  family: BaseFamily,
  format: z.enum(['tfjs-layers', 'keras-h5']),
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

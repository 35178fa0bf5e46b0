import type * as tf from '../../tf'
import { recogniseBaseFamily } from '../base-family'
import { EFFICIENTNET_NORMALIZATION, efficientNetB0NoTop } from './efficientnetb0'
import { mobileNetV2NoTop } from './mobilenetv2'
import { resnet50NoTop } from './resnet50'
import { vgg16NoTop } from './vgg16'
import {
  assignKerasWeights,
  fitsKerasWeights,
  readKerasWeights,
  type KerasLayout,
  type KerasWeightFile,
  type StandIn,
} from './h5-weights'

export { vgg16NoTop } from './vgg16'
export { mobileNetV2NoTop } from './mobilenetv2'
export { type KerasLayout } from './h5-weights'

export const KERAS_FAMILIES = ['vgg16', 'mobilenetv2', 'resnet50', 'efficientnetb0'] as const
export type KerasFamily = (typeof KERAS_FAMILIES)[number]

export function isKerasFamily(family: string): family is KerasFamily {
  return (KERAS_FAMILIES as readonly string[]).includes(family)
}

/** Architectures defined in code, by family. */
export const KERAS_ARCHITECTURES: Record<KerasFamily, (inputSize?: number | null) => tf.LayersModel> = {
  vgg16: vgg16NoTop,
  mobilenetv2: mobileNetV2NoTop,
  resnet50: resnet50NoTop,
  efficientnetb0: efficientNetB0NoTop,
}

/** tfjs layers standing in for Keras layers tfjs lacks, by family. */
const STAND_INS: Partial<Record<KerasFamily, Record<string, StandIn>>> = {
  efficientnetb0: { normalization: EFFICIENTNET_NORMALIZATION },
}

/**
 * Which Keras application a file belongs to: by its layer names, else (a Keras 3 .weights.h5 names
 * layers by class, conv2d_7) the one architecture whose every weight the file holds with its shape.
 */
function recogniseFile(weights: KerasWeightFile): KerasFamily {
  const names = [...weights.layers.keys()]
  const family = recogniseBaseFamily(names)
  if (isKerasFamily(family)) return family
  if (weights.layout === 'keras3') {
    for (const candidate of KERAS_FAMILIES) {
      const model = KERAS_ARCHITECTURES[candidate](null)
      const fits = fitsKerasWeights(model, weights, STAND_INS[candidate])
      model.dispose()
      if (fits) return candidate
    }
  }
  return recogniseKerasFamily(names, weights.file)
}

/** Which Keras application a file's layer names belong to, or an error naming what was found. */
function recogniseKerasFamily(names: string[], file: string): KerasFamily {
  const family = recogniseBaseFamily(names)
  if (isKerasFamily(family)) return family
  const sample = names.slice(0, 5).join(', ') || 'none'
  throw new Error(
    `${file}: not a VGG16, MobileNetV2, ResNet50 or EfficientNetB0 Keras weights file (layers found: ${sample}${names.length > 5 ? ', …' : ''}); ` +
      'only these Keras Applications can be imported from .h5',
  )
}

/** Build a Keras application and load an .h5 file into it by layer name. */
export async function loadKerasBase(
  file: string,
  family?: KerasFamily,
): Promise<{ model: tf.LayersModel; family: KerasFamily; layout: KerasLayout }> {
  const weights = await readKerasWeights(file)
  const chosen = family ?? recogniseFile(weights)
  const model = KERAS_ARCHITECTURES[chosen](null)
  try {
    assignKerasWeights(model, weights, STAND_INS[chosen])
  } catch (error) {
    model.dispose()
    throw error
  }
  return { model, family: chosen, layout: weights.layout }
}

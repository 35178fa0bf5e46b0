import type * as tf from '../../tf'
import { recogniseBaseFamily } from '../base-family'
import { mobileNetV2NoTop } from './mobilenetv2'
import { vgg16NoTop } from './vgg16'
import { assignKerasWeights, readKerasWeights, type KerasLayout } from './h5-weights'

export { vgg16NoTop } from './vgg16'
export { mobileNetV2NoTop } from './mobilenetv2'
export { type KerasLayout } from './h5-weights'

export type KerasFamily = 'vgg16' | 'mobilenetv2'

/** Architectures defined in code, by family. */
export const KERAS_ARCHITECTURES: Record<KerasFamily, (inputSize?: number | null) => tf.LayersModel> = {
  vgg16: vgg16NoTop,
  mobilenetv2: mobileNetV2NoTop,
}

/** Which Keras application a file's layer names belong to, or an error naming what was found. */
export function recogniseKerasFamily(names: string[], file: string): KerasFamily {
  const family = recogniseBaseFamily(names)
  if (family === 'mobilenetv2' || family === 'vgg16') return family
  const sample = names.slice(0, 5).join(', ') || 'none'
  throw new Error(
    `${file}: not a VGG16 or MobileNetV2 Keras weights file (layers found: ${sample}${names.length > 5 ? ', …' : ''}); ` +
      'only these Keras Applications can be imported from .h5',
  )
}

/** Build a Keras application and load an .h5 file into it by layer name. */
export async function loadKerasBase(
  file: string,
  family?: KerasFamily,
): Promise<{ model: tf.LayersModel; family: KerasFamily; layout: KerasLayout }> {
  const weights = await readKerasWeights(file)
  const chosen = family ?? recogniseKerasFamily([...weights.layers.keys()], file)
  const model = KERAS_ARCHITECTURES[chosen](null)
  try {
    assignKerasWeights(model, weights)
  } catch (error) {
    model.dispose()
    throw error
  }
  return { model, family: chosen, layout: weights.layout }
}

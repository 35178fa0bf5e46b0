import type { BaseFamily } from '@shared/domain/model'

/**
 * The family a pretrained base belongs to, from its layer names. The names tested are common to
 * Keras Applications' own models and to the shared TensorFlow.js folders, so one rule serves both a
 * model.json folder and a Keras .h5 weights file.
 */
export function recogniseBaseFamily(layerNames: readonly string[]): BaseFamily {
  const has = new Set(layerNames)
  if (layerNames.some((n) => /^fire\d+_concat$/.test(n))) return 'squeezenet'
  if (has.has('block_16_project') || has.has('block_16_depthwise')) return 'mobilenetv2'
  if (has.has('block5_conv3')) return 'vgg16'
  // ResNet101/152 have more conv4 blocks, EfficientNetB1+ more block2 repeats.
  if (has.has('conv5_block3_out') && has.has('conv4_block6_out') && !has.has('conv4_block7_out')) return 'resnet50'
  if (has.has('conv5_block3_3_conv') && has.has('conv4_block6_3_conv') && !has.has('conv4_block7_3_conv')) return 'resnet50'
  if (has.has('top_conv') && has.has('block7a_project_conv') && !has.has('block2c_expand_conv')) return 'efficientnetb0'
  return 'custom'
}

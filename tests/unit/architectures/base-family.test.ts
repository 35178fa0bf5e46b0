import { describe, expect, it } from 'vitest'
import { recogniseBaseFamily } from '../../../src-main/engine/architectures'
import { mobileNetV2NoTop, vgg16NoTop } from '../../../src-main/engine/architectures/keras'

describe('recogniseBaseFamily', () => {
  it('recognises the Keras Applications built in code by their own layer names', () => {
    const mobilenet = mobileNetV2NoTop(32)
    const vgg = vgg16NoTop(32)
    try {
      expect(recogniseBaseFamily(mobilenet.layers.map((l) => l.name))).toBe('mobilenetv2')
      expect(recogniseBaseFamily(vgg.layers.map((l) => l.name))).toBe('vgg16')
    } finally {
      mobilenet.dispose()
      vgg.dispose()
    }
  })

  it('recognises the shared TensorFlow.js folders by theirs, and calls anything else custom', () => {
    expect(recogniseBaseFamily(['input', 'stem_conv', 'block_16_depthwise', 'block_16_project', 'head_relu'])).toBe('mobilenetv2')
    expect(recogniseBaseFamily(['input', 'conv1', 'fire2_squeeze', 'fire2_concat', 'fire9_concat', 'conv10'])).toBe('squeezenet')
    expect(recogniseBaseFamily(['input', 'dense_1'])).toBe('custom')
  })
})

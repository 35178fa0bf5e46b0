import { describe, expect, it } from 'vitest'
import { chooseBase, familyOfBaseId } from '@shared/domain/model'
import { baseInfo as base } from '../support/base-info'

const h5Old = base('mobilenetv2-keras', 'mobilenetv2', 'keras-h5', '2026-01-01T00:00:00Z')
const tfjsOld = base('mnv2-a', 'mobilenetv2', 'tfjs-layers', '2026-01-02T00:00:00Z')
const h5New = base('mobilenetv2-keras-2', 'mobilenetv2', 'keras-h5', '2026-03-01T00:00:00Z')
const tfjsNew = base('mnv2-b', 'mobilenetv2', 'tfjs-layers', '2026-02-01T00:00:00Z')
const squeeze = base('squeezenet1.1-imagenet', 'squeezenet', 'tfjs-layers', '2026-01-05T00:00:00Z')

describe('chooseBase', () => {
  it('takes the id asked for when it is registered, whatever its format or age', () => {
    expect(chooseBase([tfjsNew, h5Old], { id: 'mobilenetv2-keras' })).toBe(h5Old)
  })

  it('prefers TensorFlow.js folders to Keras files, then the most recently registered', () => {
    const all = [h5Old, tfjsOld, h5New, tfjsNew, squeeze]
    expect(chooseBase(all, { family: 'mobilenetv2' })).toBe(tfjsNew)
    expect(chooseBase([h5Old, h5New], { family: 'mobilenetv2' })).toBe(h5New)
    // The order the registry lists them in does not matter.
    expect(chooseBase([...all].reverse(), { family: 'mobilenetv2' })).toBe(tfjsNew)
  })

  it('falls back from a known id that is not registered to a base of its family', () => {
    expect(chooseBase([h5Old, tfjsOld, squeeze], { id: 'mobilenetv2-imagenet' })).toBe(tfjsOld)
    expect(chooseBase([h5Old, tfjsOld], { id: 'squeezenet1.1-imagenet' })).toBeNull()
  })

  it('finds nothing for an unknown id without a family, and does not reorder the list it was given', () => {
    const all = [h5Old, tfjsOld]
    expect(chooseBase(all, { id: 'my-own-base' })).toBeNull()
    expect(chooseBase([], { family: 'vgg16' })).toBeNull()
    expect(all).toEqual([h5Old, tfjsOld])
  })
})

describe('familyOfBaseId', () => {
  it('knows the ImageNet bases by id and nothing else', () => {
    expect(familyOfBaseId('mobilenetv2-imagenet')).toBe('mobilenetv2')
    expect(familyOfBaseId('squeezenet1.1-imagenet')).toBe('squeezenet')
    expect(familyOfBaseId('mnv2-b')).toBeNull()
  })
})

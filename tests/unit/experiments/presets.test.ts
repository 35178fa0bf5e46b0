import { describe, expect, it } from 'vitest'
import { SEED_CNN, SEED_CNN_NAME } from '@shared/domain/config'

import { BUILT_IN_PRESETS, configFromPreset } from '../../../src-main/experiments/presets'
import { baseInfo as base } from '../support/base-info'

const preset = (id: string) => BUILT_IN_PRESETS.find((p) => p.id === id)!

describe('built-in presets', () => {
  it('train the one Seed CNN definition', () => {
    const config = configFromPreset(preset('seed-cnn'), 'cifar', [])
    expect(config.name).toBe(SEED_CNN_NAME)
    expect(config.model).toEqual(SEED_CNN)
    expect(config.data.datasetId).toBe('cifar')
  })

  it('resolve a missing known base to one of its family by the shared rule (tfjs folder first)', () => {
    const bases = [
      base('mobilenetv2-keras', 'mobilenetv2', 'keras-h5', '2026-05-01T00:00:00Z'),
      base('my-mnv2', 'mobilenetv2', 'tfjs-layers', '2026-01-01T00:00:00Z'),
    ]
    const config = configFromPreset(preset('mobilenetv2-transfer'), 'cifar', bases)
    expect(config.model).toMatchObject({ kind: 'transfer', baseId: 'my-mnv2' })
  })

  it('say how to get a base when none of the family is registered', () => {
    expect(() => configFromPreset(preset('squeezenet-transfer'), 'cifar', [])).toThrow(
      /no squeezenet base is registered; register one with/,
    )
  })
})

import { describe, expect, it } from 'vitest'
import { INPUT_SIZES, InputSize, ScratchModelConfig, SEED_CNN } from '@shared/domain/config'

describe('one definition each', () => {
  it('INPUT_SIZES lists exactly the sizes InputSize accepts, smallest first', () => {
    expect(INPUT_SIZES).toEqual([32, 64, 96, 128, 160, 224])
    for (const size of INPUT_SIZES) expect(InputSize.safeParse(size).success).toBe(true)
    for (const size of [0, 31, 33, 100, 256, 299]) expect(InputSize.safeParse(size).success).toBe(false)
  })

  it('the Seed CNN is a complete, valid scratch model: the schema changes nothing in it', () => {
    expect(ScratchModelConfig.parse(SEED_CNN)).toEqual(SEED_CNN)
    expect(SEED_CNN).toMatchObject({ convBlocks: 2, filters: [32, 64], denseUnits: 512, pooling: 'flatten' })
  })
})

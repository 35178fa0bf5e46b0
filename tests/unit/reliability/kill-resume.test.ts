import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { comparable, killAndResume, weightsOf } from '../../../bench/kill/kill-resume'
import { tarOf, writeCifarBinary } from '../data/fixtures'

// A run killed with SIGKILL at random moments (inside batches, around epoch ends and checkpoint
// writes, during evaluation) and resumed each time with `train --resume` ends exactly where an
// uninterrupted run with the same seed ends: the same epochs once each, the same metrics and the
// same final weights, bit for bit, on the wasm backend.

const root = mkdtempSync(join(tmpdir(), 'kill-resume-'))
const KILLS = 20
let archive: string
let configFile: string

beforeAll(async () => {
  const source = join(root, 'source')
  mkdirSync(source)
  writeCifarBinary(source, 48)
  archive = await tarOf(source, 'cifar-10-batches-bin', join(root, 'cifar-10-binary.tar.gz'), true)
  configFile = join(root, 'config.json')
  writeFileSync(
    configFile,
    JSON.stringify({
      name: 'kill and resume',
      data: { validationSplit: 0.2 },
      model: { kind: 'scratch', convBlocks: 1, filters: [4], denseUnits: 16, dropout: 0.25 },
      training: { epochs: 16, batchSize: 8, seed: 7, reduceLrOnPlateau: { enabled: true, patience: 0, factor: 0.5 } },
      augmentation: { enabled: true, horizontalFlip: true, widthShiftRange: 0.1 },
    }),
  )
})
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('kill and resume', () => {
  it(`a run killed ${KILLS} times and resumed equals the uninterrupted run, bit for bit`, async () => {
    const referenceDir = join(root, 'reference')
    const victimDir = join(root, 'victim')
    const result = await killAndResume({
      archive,
      configFile,
      referenceDir,
      victimDir,
      kills: KILLS,
      seed: 20261201,
      backend: 'wasm',
    })
    const { expected, final } = result
    // A kill before the run was recorded leaves nothing to resume; nothing else may fail an attempt.
    for (const error of result.errors) expect(error).toMatch(/only an interrupted, cancelled or failed run/)
    expect(result.kills).toBe(KILLS)
    expect(final?.status).toBe('completed')
    expect(final!.epochs.map((e) => `${e.phase}:${e.epoch}`)).toEqual(expected.epochs.map((e) => `${e.phase}:${e.epoch}`))
    expect(weightsOf(victimDir, final!)).toEqual(weightsOf(referenceDir, expected))
    expect(comparable(final!)).toEqual(comparable(expected))
  }, 900_000)
})

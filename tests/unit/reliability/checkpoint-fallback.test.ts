import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import {
  findUsableCheckpoint,
  PREVIOUS_SUFFIX,
  restoreModel,
  saveCheckpoint,
  type CheckpointProgress,
} from '../../../src-main/engine/training/checkpoint'

// A resume takes the newest checkpoint only when it is whole and this run's; otherwise the generation
// before it, with the reason said; never a damaged file.

const root = mkdtempSync(join(tmpdir(), 'checkpoint-fallback-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const expectRun = { runId: 'run-a', configHash: 'hash-a' }

function model(value: number): tf.LayersModel {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], name: 'dense' })] })
  m.setWeights(m.getWeights().map((w) => tf.fill(w.shape, value)))
  return m
}

function progress(epoch: number): CheckpointProgress {
  return {
    ...expectRun,
    phaseIndex: 0,
    phase: 'train',
    phaseEpochs: epoch,
    phaseDone: false,
    epoch,
    step: epoch * 10,
    learningRate: 1e-3,
    earlyStopping: null,
    reduceLr: null,
    history: [],
    rng: { shuffleSeed: 1, augmentSeed: 2 },
  }
}

let dir: string
beforeEach(async () => {
  dir = join(mkdtempSync(join(root, 'case-')), 'checkpoint')
  for (const epoch of [1, 2]) await saveCheckpoint(dir, model(epoch), null, null, progress(epoch))
})

async function restoredValue(from: string): Promise<number> {
  const found = (await findUsableCheckpoint(dir, expectRun))!
  expect(found.dir).toBe(from)
  const m = model(0)
  await restoreModel(found.dir, found.state, m)
  return m.getWeights()[0]!.dataSync()[0]!
}

describe('checkpoint generations', () => {
  it('keeps the previous generation and resumes from the newest when it is whole', async () => {
    expect(existsSync(`${dir}${PREVIOUS_SUFFIX}`)).toBe(true)
    const found = await findUsableCheckpoint(dir, expectRun)
    expect(found).toMatchObject({ dir, state: { epoch: 2 }, refused: [] })
    expect(await restoredValue(dir)).toBe(2)
  })

  it.each([
    [
      'a truncated weights file',
      (d: string) => truncateSync(join(d, 'model.bin'), 7),
      /model\.bin has 7 bytes, \d+ expected \(truncated\)/,
    ],
    [
      'a flipped bit',
      (d: string) => {
        const bytes = readFileSync(join(d, 'model.bin'))
        bytes[3]! ^= 0x10
        writeFileSync(join(d, 'model.bin'), bytes)
      },
      /model\.bin does not match its checksum \(damaged\)/,
    ],
    ['a state.json cut short', (d: string) => truncateSync(join(d, 'state.json'), 40), /state\.json is not valid JSON/],
    ["another run's checkpoint", (d: string) => rewriteState(d, { runId: 'run-b' }), /belongs to run run-b, not run-a/],
    [
      'a checkpoint of another config',
      (d: string) => rewriteState(d, { configHash: 'hash-b' }),
      /was written for another config/,
    ],
  ])('refuses %s with the reason and falls back to the previous generation', async (_what, damage, reason) => {
    damage(dir)
    const found = (await findUsableCheckpoint(dir, expectRun))!
    expect(found.state.epoch).toBe(1)
    expect(found.refused).toEqual([expect.stringMatching(reason)])
    expect(await restoredValue(`${dir}${PREVIOUS_SUFFIX}`)).toBe(1)
  })

  it('a crash between the two renames leaves the previous generation to resume from', async () => {
    // The newest was moved aside as .prev and the new one never took its place.
    rmSync(`${dir}${PREVIOUS_SUFFIX}`, { recursive: true })
    renameSync(dir, `${dir}${PREVIOUS_SUFFIX}`)
    const found = (await findUsableCheckpoint(dir, expectRun))!
    expect(found).toMatchObject({ state: { epoch: 2 }, refused: [] })
  })

  it('when every generation is damaged the resume fails with every reason, never with garbage', async () => {
    truncateSync(join(dir, 'model.bin'), 0)
    rewriteState(`${dir}${PREVIOUS_SUFFIX}`, { configHash: 'other' })
    await expect(findUsableCheckpoint(dir, expectRun)).rejects.toThrow(/no usable checkpoint: .*truncated.*; .*another config/)
  })

  it('no checkpoint at all means a fresh start', async () => {
    expect(await findUsableCheckpoint(join(root, 'never-written'), expectRun)).toBeNull()
  })
})

function rewriteState(d: string, patch: Record<string, unknown>): void {
  const file = join(d, 'state.json')
  writeFileSync(file, JSON.stringify({ ...(JSON.parse(readFileSync(file, 'utf8')) as object), ...patch }))
}

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runImporterFuzz } from '../../../bench/fuzz/importers'

// A few hundred of the fuzzer's cases (npm run fuzz runs 10,000): damaged CIFAR archives in both
// formats, image folders, single images, tfjs folders, Keras files, run bundles and settings, plus
// archives that try to climb out of their folder and a decompression bomb.
const root = mkdtempSync(join(tmpdir(), 'importer-fuzz-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('importers under damaged and hostile input', () => {
  it('answer every case within the bound with a one-line error or a valid import, leaving no trace', async () => {
    const report = await runImporterFuzz({ root, seed: 20261201, cases: 250, hostile: true, caseTimeoutMs: 90_000 })
    expect(report.findings).toEqual([])
    expect(report.cases).toHaveLength(250)
    const targets = new Set(report.cases.map((c) => c.target))
    expect(targets.size).toBeGreaterThanOrEqual(10)
    // Most damage is refused, and what is refused says so in one line naming the file.
    const refused = report.cases.filter((c) => c.outcome === 'refused')
    expect(refused.length).toBeGreaterThan(report.cases.length / 2)
    for (const c of refused.filter((r) => r.target !== 'settings.json')) expect(c.message).toMatch(/\S/)
    const bomb = report.cases.find((c) => c.mutation.startsWith('gzip bomb'))!
    expect(bomb).toMatchObject({ outcome: 'refused', message: expect.stringMatching(/inflates to more than 1 GiB/) as string })
  })
})

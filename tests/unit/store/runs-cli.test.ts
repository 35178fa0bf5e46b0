import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openStore } from '../../../src-main/store'
import { epochMetric, evaluation, scratchConfig, startInfo, tempDir, transferConfig } from '../../fixtures/store/factories'
import { runCli as cli } from '../support/cli'

const repoRoot = resolve(__dirname, '../../..')
let home: string
let other: string
let scratchId: string
let transferId: string

async function json(dataDir: string, ...args: string[]): Promise<unknown> {
  const r = await cli(dataDir, ...args, '--json')
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return JSON.parse(r.stdout)
}

beforeAll(() => {
  home = tempDir('cifar-cli-')
  other = tempDir('cifar-cli-other-')
  const opened = openStore(join(home, 'workbench.sqlite'), { dataDir: home })
  const store = opened.runs
  const a = store.createRun({ config: scratchConfig({ name: 'cli scratch' }) })
  store.startRun(a.id, startInfo)
  store.appendEpoch(a.id, epochMetric(1, 0.4))
  store.appendEpoch(a.id, epochMetric(2, 0.55))
  store.saveEvaluation(a.id, evaluation(0.5))
  store.finishRun(a.id, 'completed')
  const b = store.createRun({ config: transferConfig(1, 'cli transfer') })
  scratchId = a.id
  transferId = b.id
  opened.close()
})
afterAll(() => {
  rmSync(home, { recursive: true, force: true })
  rmSync(other, { recursive: true, force: true })
})

describe('cifar-workbench runs', () => {
  it('runs through the installed bin', () => {
    const r = spawnSync(
      process.execPath,
      ['bin/cifar-workbench.mjs', '--data-dir', home, 'runs', 'list', '--json', '--status', 'queued'],
      {
        cwd: repoRoot,
        encoding: 'utf8',
      },
    )
    expect(r.status).toBe(0)
    expect((JSON.parse(r.stdout) as Array<{ id: string }>).map((x) => x.id)).toEqual([transferId])
  })

  it('lists runs and shows one with its epochs and evaluation', async () => {
    const runs = (await json(home, 'runs', 'list')) as Array<Record<string, unknown>>
    expect(runs.map((r) => r.id).sort()).toEqual([scratchId, transferId].sort())
    const scratch = runs.find((r) => r.id === scratchId)!
    expect(scratch).toMatchObject({ status: 'completed', name: 'cli scratch', modelKind: 'scratch', bestValAccuracy: 0.55 })
    expect(scratch.final).toMatchObject({ valAccuracy: 0.55 })
    expect(((await json(home, 'runs', 'list', '--kind', 'transfer')) as Array<{ id: string }>).map((r) => r.id)).toEqual([
      transferId,
    ])

    const shown = (await json(home, 'runs', 'show', scratchId)) as { epochs: unknown[]; evaluation: { accuracy: number } }
    expect(shown.epochs).toHaveLength(2)
    expect(shown.evaluation.accuracy).toBe(0.5)

    const text = await cli(home, 'runs', 'list')
    expect(text.stdout).toMatch(/cli scratch\s+completed\s+scratch\s+2\s+55\.0%/)
  })

  it('tags and annotates, and fails with one clear line on bad input', async () => {
    expect(await json(home, 'runs', 'tag', scratchId, '--add', 'paper', '--add', 'best')).toMatchObject({
      tags: ['best', 'paper'],
    })
    await json(home, 'runs', 'note', scratchId, 'keeps up with the transfer run')
    expect(((await json(home, 'runs', 'list', '--text', 'TRANSFER RUN')) as Array<{ id: string }>).map((r) => r.id)).toEqual([
      scratchId,
    ])

    const missing = await cli(home, 'runs', 'show', 'no-such-run')
    expect(missing.code).toBe(1)
    expect(missing.stderr.trim()).toBe('error: run no-such-run not found')
    const badStatus = await cli(home, 'runs', 'list', '--status', 'done')
    expect(badStatus.code).toBe(2)
    expect(badStatus.stderr).toMatch(/--status must be one of queued, running/)
  })

  it('exports to a file and a folder, imports without duplicates, deletes', async () => {
    const file = join(other, 'bundle.json')
    const folder = join(other, 'bundle')
    await json(home, 'runs', 'export', scratchId, transferId, '--out', file)
    await json(home, 'runs', 'export', scratchId, '--out', folder)
    expect((JSON.parse(readFileSync(file, 'utf8')) as { runs: unknown[] }).runs).toHaveLength(2)
    expect(
      readFileSync(join(folder, `${scratchId}-epochs.csv`), 'utf8')
        .trim()
        .split('\n'),
    ).toHaveLength(3)
    expect(existsSync(join(folder, 'manifest.json'))).toBe(true)

    const target = join(other, 'data')
    expect(await json(target, 'runs', 'import', folder)).toEqual({ imported: [scratchId], skipped: [] })
    expect(await json(target, 'runs', 'import', file)).toEqual({ imported: [transferId], skipped: [scratchId] })
    const copy = (await json(target, 'runs', 'show', scratchId)) as { epochs: unknown[]; tags: string[] }
    expect(copy.epochs).toHaveLength(2)
    expect(copy.tags).toEqual(['best', 'paper'])

    expect(await json(target, 'runs', 'delete', scratchId, transferId)).toEqual({ deleted: 2 })
    expect(await json(target, 'runs', 'list')).toEqual([])
    const notBundle = await cli(target, 'runs', 'import', join(home, 'workbench.sqlite'))
    expect(notBundle.code).toBe(1)
    expect(notBundle.stderr).toMatch(/is not valid JSON/)
  })
})

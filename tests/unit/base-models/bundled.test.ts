import { execFileSync } from 'node:child_process'
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { createCore } from '../../../src-main/core/compose'
import { loadBaseFromInfo } from '../../../src-main/engine/architectures'
import { readBundledBases, RESOURCES_DIR_ENV } from '../../../src-main/engine/architectures/bundled-bases'
import { runCli } from '../support/cli'

const repo = resolve(__dirname, '../../..')
const root = mkdtempSync(join(tmpdir(), 'bundled-bases-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('bases that ship with the app', () => {
  it('bases.json is what importing the folders beside it gives (ids, hashes, summaries)', () => {
    const out = execFileSync(
      process.execPath,
      [join(repo, 'bin/run-ts.mjs'), join(repo, 'scripts/bundled-bases.ts'), '--check'],
      {
        encoding: 'utf8',
      },
    )
    expect(out).toMatch(/matches its 2 folders/)
  })

  it('a new data directory has MobileNetV2 and SqueezeNet registered, loadable, and not deletable', async () => {
    const dataDir = join(root, 'fresh')
    const core = await createCore({ dataDir, shell: 'cli' })
    try {
      const bases = await core.call('models.list', {})
      expect(bases.map((b) => b.id).sort()).toEqual(['mobilenetv2-imagenet', 'squeezenet1.1-imagenet'])
      const mobilenet = bases.find((b) => b.id === 'mobilenetv2-imagenet')!
      expect(mobilenet).toMatchObject({
        family: 'mobilenetv2',
        format: 'tfjs-layers',
        defaultCutLayer: 'head_relu',
        path: 'app:bases/mobilenetv2-imagenet',
      })
      expect(mobilenet.summary!.totalParams).toBe(2_206_816)
      const loaded = await loadBaseFromInfo(dataDir, mobilenet)
      expect(loaded.model.getLayer('head_relu')).toBeDefined()
      loaded.model.dispose()
      await expect(core.call('models.delete', { id: 'mobilenetv2-imagenet' })).rejects.toMatchObject({
        code: 'conflict',
        message: expect.stringMatching(/ships with the app/) as string,
      })
    } finally {
      await core.close()
    }
    // The next start finds them registered and adds nothing twice.
    const again = await createCore({ dataDir, shell: 'cli' })
    try {
      expect((await again.call('models.list', {})).length).toBe(2)
    } finally {
      await again.close()
    }
  })

  it('the CLI lists them from the first command', async () => {
    const { code, stdout } = await runCli(join(root, 'cli'), 'models', 'list', '--json')
    expect(code).toBe(0)
    expect((JSON.parse(stdout) as Array<{ id: string }>).map((b) => b.id).sort()).toEqual([
      'mobilenetv2-imagenet',
      'squeezenet1.1-imagenet',
    ])
  })

  it('a packaged install points at its resources through the environment; a damaged index is refused by name', () => {
    const resources = join(root, 'resources')
    cpSync(join(repo, 'resources/bases/bases.json'), join(resources, 'bases/bases.json'), { recursive: true })
    const previous = process.env[RESOURCES_DIR_ENV]
    process.env[RESOURCES_DIR_ENV] = resources
    try {
      expect(readBundledBases().map((b) => b.id)).toEqual(['mobilenetv2-imagenet', 'squeezenet1.1-imagenet'])
      writeFileSync(join(resources, 'bases/bases.json'), '{"bases": [{"id": 3}]}')
      expect(() => readBundledBases()).toThrow(/bases\.json: invalid \(bases\.0\.id: .*\); reinstall the app/)
    } finally {
      if (previous === undefined) delete process.env[RESOURCES_DIR_ENV]
      else process.env[RESOURCES_DIR_ENV] = previous
    }
  })
})

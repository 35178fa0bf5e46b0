import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { RunDetail } from '@shared/domain/run'
import { createCore } from '../../../src-main/core/compose'
import { pngOf, tempDir, writeCifarBinary } from '../data/fixtures'
import { runCli as cli } from '../support/cli'

let work: string
let home: string
let run: RunDetail

beforeAll(async () => {
  work = tempDir('cwb-explain-bytes-')
  home = join(work, 'home')
  expect((await cli(home, 'dataset', 'import', writeCifarBinary(work, 6), '--name', 'tiny')).code).toBe(0)
  const trained = await cli(home, '--json', 'train', '--preset', 'seed-cnn', '--epochs', '1', '--train-size', '20', '--seed', '5')
  expect(trained.code, trained.stderr).toBe(0)
  run = JSON.parse(trained.stdout.trim().split('\n').at(-1)!) as RunDetail
})
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('Grad-CAM of an image sent as bytes (a browser drop)', () => {
  it('gives exactly what the same file gives by path, and names the image in a decoding error', async () => {
    const file = join(work, 'waves.png')
    const png = pngOf(45, (r, c) => [(r * 7) % 256, (c * 11) % 256, ((r * c) >> 2) % 256])
    writeFileSync(file, png)
    const core = await createCore({ dataDir: home, shell: 'cli' })
    try {
      const byPath = await core.call('inference.explain', { id: run.id, image: { path: file } })
      const byBytes = await core.call('inference.explain', {
        id: run.id,
        image: { name: 'waves.png', dataBase64: Buffer.from(png).toString('base64') },
      })
      expect(byBytes).toEqual(byPath)
      expect(byBytes.trueClass).toBeNull()
      const broken = await core.invoke('inference.explain', {
        id: run.id,
        image: { name: 'notes.png', dataBase64: Buffer.from('not an image at all').toString('base64') },
      })
      expect(broken.ok).toBe(false)
      if (!broken.ok) expect(broken.error.message).toMatch(/^notes\.png: /)
      const neither = await core.invoke('inference.explain', { id: run.id, image: { name: 'x.png' } })
      expect(neither.ok).toBe(false)
      if (!neither.ok) expect(neither.error.code).toBe('invalid_input')
    } finally {
      await core.close()
    }
  })
})

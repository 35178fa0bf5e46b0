import { createHash, randomBytes } from 'node:crypto'
import { closeSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openStore, StoreOpenError } from '../../../src-main/store'
import { epochMetric, scratchConfig, startInfo, tempDir } from '../../fixtures/store/factories'

let dir: string
let file: string
beforeEach(() => {
  dir = tempDir()
  file = join(dir, 'workbench.sqlite')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex')

function openError(): StoreOpenError {
  try {
    openStore(file).close()
  } catch (error) {
    expect(error).toBeInstanceOf(StoreOpenError)
    return error as StoreOpenError
  }
  throw new Error('expected the store to refuse the file')
}

describe('a corrupted database', () => {
  it('that is not SQLite at all gives a clear error and is not overwritten', () => {
    writeFileSync(file, randomBytes(64 * 1024))
    const before = sha(file)
    const error = openError()
    expect(error.message).toContain(file)
    expect(error.message).toMatch(/corrupted .*not a database.*left untouched/)
    expect(sha(file)).toBe(before)
    expect(readdirSync(dir).filter((f) => f.includes('backup'))).toEqual([])
  })

  it('with damaged pages fails integrity_check and is not overwritten', () => {
    const opened = openStore(file)
    const store = opened.runs
    for (let i = 0; i < 300; i++) {
      const run = store.createRun({ config: scratchConfig({ name: `run ${i} ${'x'.repeat(100)}` }) })
      store.startRun(run.id, startInfo)
      store.appendEpoch(run.id, epochMetric(1, 0.5))
      store.finishRun(run.id, 'completed')
    }
    opened.close()
    // Overwrite the middle of the file (b-tree pages) with garbage, keeping the header valid.
    const size = readFileSync(file).length
    expect(size).toBeGreaterThan(16 * 4096)
    const fd = openSync(file, 'r+')
    writeSync(fd, Buffer.alloc(3 * 4096, 0xa5), 0, 3 * 4096, Math.floor(size / 4096 / 2) * 4096)
    closeSync(fd)
    const before = sha(file)
    const error = openError()
    expect(error.code).toBe('failed')
    expect(error.message).toMatch(/is corrupted \(integrity_check: .+\)/)
    expect(error.message).toMatch(/restore a backup copy/)
    expect(sha(file)).toBe(before)
  })
})

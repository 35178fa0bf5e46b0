import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { DATA_DIR_ENV, resolveDataDir } from '../../../src-main/core/data-dir'

describe('data directory resolution', () => {
  let scratch: string
  let savedEnv: string | undefined

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'cwb-datadir-'))
    savedEnv = process.env[DATA_DIR_ENV]
    delete process.env[DATA_DIR_ENV]
  })
  afterEach(() => {
    if (savedEnv === undefined) delete process.env[DATA_DIR_ENV]
    else process.env[DATA_DIR_ENV] = savedEnv
    rmSync(scratch, { recursive: true, force: true })
  })

  it('prefers the flag over the environment and the shell default, and creates it', () => {
    process.env[DATA_DIR_ENV] = join(scratch, 'env')
    const dir = resolveDataDir({ flag: join(scratch, 'flag', 'nested'), shellDefault: join(scratch, 'shell') })
    expect(dir).toBe(join(scratch, 'flag', 'nested'))
    expect(existsSync(dir)).toBe(true)
    expect(existsSync(join(scratch, 'env'))).toBe(false)
  })

  it('uses CIFAR_WORKBENCH_HOME when there is no flag', () => {
    process.env[DATA_DIR_ENV] = join(scratch, 'env')
    expect(resolveDataDir({ shellDefault: join(scratch, 'shell') })).toBe(join(scratch, 'env'))
  })

  it("uses the shell's default (Electron userData) next", () => {
    expect(resolveDataDir({ shellDefault: join(scratch, 'shell') })).toBe(join(scratch, 'shell'))
  })

  it('resolves relative paths against the working directory', () => {
    const relative = join('.', 'tmp-cwb-rel-' + process.pid)
    try {
      expect(resolveDataDir({ flag: relative })).toBe(resolve(relative))
    } finally {
      rmSync(resolve(relative), { recursive: true, force: true })
    }
  })

  it('falls back to ~/.cifar-workbench', () => {
    const savedHome = process.env.HOME
    process.env.HOME = scratch // os.homedir() follows $HOME on POSIX; keeps the real home untouched
    try {
      expect(homedir()).toBe(scratch)
      expect(resolveDataDir({})).toBe(join(scratch, '.cifar-workbench'))
      expect(existsSync(join(scratch, '.cifar-workbench'))).toBe(true)
    } finally {
      process.env.HOME = savedHome
    }
  })
})

import { describe, expect, it } from 'vitest'
import { ContractError, contract, methodNames } from '@shared/contract'
import { createDispatcher } from '../../../src-main/core/core'
import type { Handlers } from '../../../src-main/core/handlers'

/** Every method answers `unavailable` except the ones a test overrides. */
function handlers(overrides: Partial<Handlers>): Handlers {
  const unavailable = (method: string) => () => {
    throw new ContractError('unavailable', `${method} is not under test`)
  }
  const all = Object.fromEntries(methodNames.map((m) => [m, unavailable(m)])) as unknown as Handlers
  return { ...all, ...overrides }
}

describe('core dispatcher', () => {
  it('passes validated input (defaults filled) to the handler and returns its output', async () => {
    let received: unknown = null
    const invoke = createDispatcher(
      handlers({
        'runs.list': (input) => {
          received = input
          return { total: 0, items: [] }
        },
      }),
      { shell: 'cli' },
    )
    const result = await invoke('runs.list', { text: 'resnet' })
    expect(result).toEqual({ ok: true, value: { total: 0, items: [] } })
    expect(received).toEqual({ text: 'resnet', sortBy: 'createdAt', sortDir: 'desc', offset: 0, limit: 50 })
  })

  it('turns an invalid payload into a typed invalid_input error naming the fields, without calling the handler', async () => {
    let called = false
    const invoke = createDispatcher(
      handlers({
        'runs.rename': () => {
          called = true
          throw new Error('must not run')
        },
      }),
      { shell: 'cli' },
    )
    const result = await invoke('runs.rename', { id: '', name: 42 })
    expect(called).toBe(false)
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe('invalid_input')
    expect(result.error.message).toContain('runs.rename')
    expect(result.error.issues?.map((i) => i.path).sort()).toEqual(['id', 'name'])
  })

  it('rejects strict-empty inputs carrying unknown fields and non-object payloads', async () => {
    const invoke = createDispatcher(handlers({ 'system.getSettings': () => ({}) }), { shell: 'cli' })
    const extra = await invoke('system.getSettings', { surprise: true })
    expect(!extra.ok && extra.error.code).toBe('invalid_input')
    const scalar = await invoke('runs.get', 'abc')
    expect(!scalar.ok && scalar.error.code).toBe('invalid_input')
  })

  it('answers unknown methods (including prototype keys) with unknown_method', async () => {
    const invoke = createDispatcher(handlers({}), { shell: 'cli' })
    for (const name of ['runs.explode', 'toString', '__proto__', 'constructor', '']) {
      const result = await invoke(name, {})
      expect(!result.ok && result.error.code).toBe('unknown_method')
    }
  })

  it('validates handler output too: a wrong shape becomes an internal error, not a leak', async () => {
    const invoke = createDispatcher(handlers({ 'runs.list': () => ({ total: 'many', items: [] }) as never }), { shell: 'cli' })
    const result = await invoke('runs.list', {})
    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error.code).toBe('internal')
    expect(result.error.message).toMatch(/runs\.list returned an invalid result: total/)
  })

  it('keeps ContractError codes from handlers and wraps other throws as internal', async () => {
    const invoke = createDispatcher(
      handlers({
        'runs.get': ({ id }) => {
          throw new ContractError('not_found', `run ${id} not found`)
        },
        'runs.groups': () => {
          throw new TypeError('boom')
        },
      }),
      { shell: 'browser' },
    )
    expect(await invoke('runs.get', { id: 'r1' })).toEqual({
      ok: false,
      error: { code: 'not_found', message: 'run r1 not found' },
    })
    expect(await invoke('runs.groups', {})).toEqual({ ok: false, error: { code: 'internal', message: 'boom' } })
  })

  it('gives every contract method an input and an output schema', () => {
    for (const name of methodNames) {
      expect(typeof contract[name].input.safeParse).toBe('function')
      expect(typeof contract[name].output.safeParse).toBe('function')
      expect(contract[name].description.length).toBeGreaterThan(5)
    }
  })
})

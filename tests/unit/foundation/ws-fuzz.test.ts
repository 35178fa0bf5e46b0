import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { z } from 'zod'
import { contract, ErrorCode, type MethodName } from '@shared/contract'
import { startBrowserServer, type BrowserServer } from '../../../src-main/server'

// The contract over the WebSocket under hostile input: every method gets malformed payloads, hostile
// strings, prototype-pollution keys and huge values; then oversized frames and floods. Each call must
// come back as a typed result, the server must stay up, and nothing may be written outside the data
// directory.

const root = mkdtempSync(join(tmpdir(), 'ws-fuzz-'))
const dataDir = join(root, 'data')
const outside = join(root, 'outside')
let server: BrowserServer

/** Every file under dir (relative path → size and mtime), skipping the data directory. */
function snapshot(dir: string, skip: string): Map<string, string> {
  const out = new Map<string, string>()
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (path === skip) continue
      const s = statSync(path)
      out.set(relative(dir, path), `${s.size}:${s.mtimeMs}`)
      if (s.isDirectory()) walk(path)
    }
  }
  walk(dir)
  return out
}

/** A socket that sends raw text frames and resolves each call's result by id. */
async function openClient(): Promise<{ call(frame: string, id: number): Promise<unknown>; socket: WebSocket }> {
  const socket = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, { maxPayload: 512 * 1024 * 1024 })
  const pending = new Map<number, (value: unknown) => void>()
  socket.on('message', (data) => {
    const frame = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : '{}') as { id?: number; result?: unknown }
    if (typeof frame.id === 'number') pending.get(frame.id)?.(frame.result)
  })
  await new Promise<void>((resolve, reject) => socket.once('open', resolve).once('error', reject))
  return {
    socket,
    call: (frame, id) =>
      new Promise((resolve, reject) => {
        pending.set(id, resolve)
        socket.send(frame, (error) => error && reject(error))
      }),
  }
}

/** Deterministic payloads: seeded, so a failure names a case that can be run again. */
function* hostilePayloads(method: MethodName): Generator<string> {
  const hostileStrings = [
    '../../../../../../etc/passwd',
    '/etc/shadow',
    'C:\\Windows\\System32\\config\\SAM',
    `${outside}/written-by-fuzz`,
    "'; DROP TABLE runs; --",
    '" OR 1=1 --',
    '\u0000\u0001\u0002',
    'x'.repeat(100_000),
    '%2e%2e%2f%2e%2e%2f',
    '$(touch /tmp/pwned)',
  ]
  const hostileValues: unknown[] = [
    null,
    -1,
    1e308,
    2 ** 53 + 1,
    true,
    [],
    {},
    [[[[[]]]]],
    Array.from({ length: 100_000 }, (_, i) => i),
  ]
  for (const raw of ['null', '0', '"x"', '[]', '[1,2,3]', 'true', '{}']) yield raw
  yield '{"__proto__": {"polluted": "yes"}, "constructor": {"prototype": {"polluted": "yes"}}}'
  const schema = contract[method].input
  const keys = schema instanceof z.ZodObject ? Object.keys(schema.shape) : []
  for (const key of keys) {
    for (const value of [...hostileStrings, ...hostileValues]) yield JSON.stringify({ [key]: value })
    yield `{"${key}": {"__proto__": {"polluted": "yes"}}}`
    yield `{"${key}": "a", "__proto__": {"polluted": "yes"}}`
  }
  let nested = '"deep"'
  for (let i = 0; i < 500; i++) nested = `{"a": ${nested}}`
  yield nested
}

/** Payloads that validate for a method that downloads would reach the network; those are not sent. */
const NETWORK_METHODS = new Set<string>(['datasets.download', 'models.download'])

beforeAll(async () => {
  mkdirSync(outside, { recursive: true })
  writeFileSync(join(outside, 'secret.txt'), 'outside the data directory')
  server = await startBrowserServer({ dataDir, port: 0, rendererDir: root })
})
afterAll(async () => {
  await server?.close()
  rmSync(root, { recursive: true, force: true })
})

describe('the contract over the WebSocket under hostile input', () => {
  it('answers every hostile call to every method with a typed result and writes nothing outside the data directory', async () => {
    const before = snapshot(root, dataDir)
    const client = await openClient()
    let id = 0
    let cases = 0
    const internal: string[] = []
    for (const method of Object.keys(contract) as MethodName[]) {
      for (const payload of hostilePayloads(method)) {
        if (NETWORK_METHODS.has(method) && contract[method].input.safeParse(JSON.parse(payload)).success) continue
        const result = (await client.call(`{"id": ${++id}, "method": "${method}", "payload": ${payload}}`, id)) as {
          ok: boolean
          error?: { code: string; message: string }
        }
        cases++
        expect(typeof result.ok, `${method} ${payload.slice(0, 80)}`).toBe('boolean')
        if (!result.ok) {
          expect(ErrorCode.options, `${method} ${payload.slice(0, 80)}`).toContain(result.error?.code)
          expect(result.error?.message.length).toBeGreaterThan(0)
          // An internal error means a handler crashed on input the contract let through.
          if (result.error?.code === 'internal') internal.push(`${method} ${payload.slice(0, 120)}: ${result.error.message}`)
        }
      }
    }
    expect(cases).toBeGreaterThan(1000)
    expect(internal).toEqual([])
    // No key reached a prototype in the server's process (the same process as this test).
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    expect(snapshot(root, dataDir)).toEqual(before)
    client.socket.close()
  })

  it('answers frames that are not calls, and closes on frames that are not JSON, staying up for others', async () => {
    const client = await openClient()
    const bad = (await client.call('{"id": 7, "method": 12}', 7)) as { ok: boolean; error: { code: string } }
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    const unknown = (await client.call('{"id": 8, "method": "runs.__proto__", "payload": {}}', 8)) as { error: { code: string } }
    expect(unknown.error.code).toBe('unknown_method')
    const closed = new Promise<number>((resolve) => client.socket.once('close', (code) => resolve(code)))
    client.socket.send('not json {')
    expect(await closed).toBe(1007)
    const next = await openClient()
    expect(await next.call('{"id": 1, "method": "runs.list", "payload": {}}', 1)).toMatchObject({ ok: true })
    next.socket.close()
  })

  it('closes a socket that sends an oversized frame and keeps serving the others', async () => {
    const big = await openClient()
    const closed = new Promise<number>((resolve) => big.socket.once('close', (code) => resolve(code)))
    big.socket.send(`{"id": 1, "method": "runs.import", "payload": "${'x'.repeat(65 * 1024 * 1024)}"}`)
    expect(await closed).toBe(1009)
    const next = await openClient()
    expect(await next.call('{"id": 1, "method": "datasets.list", "payload": {}}', 1)).toMatchObject({ ok: true })
    next.socket.close()
  })

  it('answers every call of a flood from many sockets', async () => {
    const clients = await Promise.all(Array.from({ length: 10 }, () => openClient()))
    const results = await Promise.all(
      clients.flatMap((client) =>
        Array.from({ length: 300 }, (_, i) =>
          client.call(
            `{"id": ${i}, "method": "${i % 2 ? 'runs.list' : 'runs.get'}", "payload": ${i % 2 ? '{}' : '{"id": "nope"}'}}`,
            i,
          ),
        ),
      ),
    )
    expect(results).toHaveLength(3000)
    for (const [i, result] of results.entries()) {
      expect(result).toMatchObject(i % 2 ? { ok: true } : { ok: false, error: { code: 'not_found' } })
    }
    for (const client of clients) client.socket.close()
  })
})

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { networkInterfaces, tmpdir } from 'node:os'
import { connect } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createApiClient } from '@shared/transport/api-client'
import { createWebSocketBridge, type SocketFactory } from '@shared/transport/ws-client'
import type { ServerFrame } from '@shared/transport/bridge'
import { startBrowserServer, type BrowserServer } from '../../../src-main/server'

let server: BrowserServer
let dataDir: string
let rendererDir: string

function get(
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
    })
    req.on('error', reject)
    req.end()
  })
}

/** Opens a socket and resolves with the HTTP status of a refused upgrade, or 101 when it opens. */
function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers })
    ws.on('open', () => {
      ws.close()
      resolve(101)
    })
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0)
      ws.terminate()
    })
    ws.on('error', (error) => {
      if (!/Unexpected server response/.test(error.message)) reject(error)
    })
  })
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'cwb-server-'))
  rendererDir = mkdtempSync(join(tmpdir(), 'cwb-renderer-'))
  writeFileSync(
    join(rendererDir, 'index.html'),
    '<!doctype html><title>workbench</title><script type="module" src="/assets/app.js"></script>',
  )
  mkdirSync(join(rendererDir, 'assets'))
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("app")')
  writeFileSync(join(dataDir, 'secret.txt'), 'not for the browser')
  server = await startBrowserServer({ dataDir, port: 0, rendererDir })
})

afterAll(async () => {
  await server?.close()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(rendererDir, { recursive: true, force: true })
})

describe('browser server', () => {
  it('listens on 127.0.0.1 only and prints a tokened URL', () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/?token=${server.token}`)
    expect(server.token).toMatch(/^[0-9a-f]{48}$/)
    expect(server.port).toBeGreaterThan(0)
  })

  it('is not reachable on a non-loopback interface', async () => {
    const external = Object.values(networkInterfaces())
      .flat()
      .find((a) => a && a.family === 'IPv4' && !a.internal)
    if (!external) return // no other interface on this machine: nothing to reach
    const outcome = await new Promise<string>((resolve) => {
      const socket = connect({ host: external.address, port: server.port })
      socket.once('connect', () => {
        socket.destroy()
        resolve('connected')
      })
      socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
    })
    expect(outcome).toBe('ECONNREFUSED')
  })

  it('refuses to bind anywhere but loopback', async () => {
    await expect(startBrowserServer({ dataDir, port: 0, rendererDir, host: '0.0.0.0' as '127.0.0.1' })).rejects.toThrow(
      /127\.0\.0\.1 only/,
    )
  })

  it('serves the page with the right token, with CSP, and sets the auth cookie', async () => {
    const res = await get(`/?token=${server.token}`)
    expect(res.status).toBe(200)
    expect(res.body).toContain('<title>workbench</title>')
    expect(String(res.headers['content-security-policy'])).toContain("script-src 'self'")
    expect(String(res.headers['content-security-policy'])).toContain(`ws://127.0.0.1:${server.port}`)
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    const cookie = String(res.headers['set-cookie'])
    expect(cookie).toContain(server.token)
    expect(cookie).toContain('HttpOnly')
    // Assets then load with the cookie alone, as the browser does.
    const asset = await get('/assets/app.js', { cookie: cookie.split(';')[0]! })
    expect(asset.status).toBe(200)
    expect(asset.body).toBe('console.log("app")')
    expect(asset.headers['content-type']).toContain('text/javascript')
  })

  it('answers /favicon.ico with the app icon', async () => {
    const res = await get(`/favicon.ico?token=${server.token}`)
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('image/png')
  })

  it('refuses HTTP requests with a missing or wrong token', async () => {
    expect((await get('/')).status).toBe(401)
    expect((await get('/assets/app.js')).status).toBe(401)
    const wrong = await get(`/?token=${'0'.repeat(48)}`)
    expect(wrong.status).toBe(401)
    expect(wrong.body).toContain('token')
    expect((await get('/', { cookie: `cifar_workbench_${server.port}=nope` })).status).toBe(401)
  })

  it('refuses a foreign Host header (DNS rebinding) even with the token', async () => {
    expect((await get(`/?token=${server.token}`, { host: `evil.example:${server.port}` })).status).toBe(403)
  })

  it('never serves files outside the renderer folder', async () => {
    const res = await get(`/..%2F${encodeURIComponent(dataDir.split('/').pop()!)}%2Fsecret.txt?token=${server.token}`)
    expect(res.status).toBe(404)
    expect(res.body).not.toContain('not for the browser')
  })

  it('refuses WebSocket upgrades without the right token or from another origin', async () => {
    const base = `ws://127.0.0.1:${server.port}/ws`
    expect(await upgradeStatus(base)).toBe(401)
    expect(await upgradeStatus(`${base}?token=wrong`)).toBe(401)
    expect(await upgradeStatus(`${base}?token=${server.token}`, { origin: 'http://evil.example' })).toBe(403)
    expect(await upgradeStatus(`${base}?token=${server.token}`)).toBe(101)
  })

  it('round-trips a contract call over a real WebSocket, with typed errors', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`)
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const replies = new Map<number, ServerFrame>()
    const waitFor = (id: number) =>
      new Promise<ServerFrame>((resolve) => {
        const check = () => (replies.has(id) ? resolve(replies.get(id)!) : setTimeout(check, 10))
        check()
      })
    ws.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8')) as ServerFrame
      if ('id' in frame) replies.set(frame.id, frame)
    })
    ws.send(JSON.stringify({ id: 1, method: 'system.getSettings', payload: {} }))
    ws.send(JSON.stringify({ id: 2, method: 'system.updateSettings', payload: { theme: 'purple' } }))
    ws.send(JSON.stringify({ id: 3, method: 'no.such', payload: {} }))
    ws.send(JSON.stringify({ id: 4, method: 42 }))
    const settings = await waitFor(1)
    expect(settings).toEqual({
      id: 1,
      result: { ok: true, value: { backend: null, threads: null, locale: null, theme: 'system', cacheMemoryMb: 512 } },
    })
    const invalid = await waitFor(2)
    expect('result' in invalid && !invalid.result.ok && invalid.result.error.code).toBe('invalid_input')
    const unknown = await waitFor(3)
    expect('result' in unknown && !unknown.result.ok && unknown.result.error.code).toBe('unknown_method')
    const malformed = await waitFor(4)
    expect('result' in malformed && !malformed.result.ok && malformed.result.error.code).toBe('invalid_input')
    ws.close()
  })

  it('carries the typed api client through createWebSocketBridge and forwards events', async () => {
    const bridge = createWebSocketBridge(`ws://127.0.0.1:${server.port}/ws?token=${server.token}`, {
      WebSocket: WebSocket as unknown as SocketFactory,
    })
    const client = createApiClient(bridge)
    const updated = await client.api['system.updateSettings']({ locale: 'es' })
    expect(updated.locale).toBe('es')
    expect((await client.api['system.getSettings']({})).locale).toBe('es')
    const received = new Promise((resolve) => client.on('queue.changed', resolve))
    server.core.events.emit('queue.changed', { current: null, queued: [] })
    expect(await received).toEqual({ current: null, queued: [] })
    bridge.close()
  })
})

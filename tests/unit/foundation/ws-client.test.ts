import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket, { WebSocketServer } from 'ws'
import type { ClientFrame } from '@shared/transport/bridge'
import { browserSocketUrl, createWebSocketBridge, type ConnectionState, type SocketFactory } from '@shared/transport/ws-client'

const Socket = WebSocket as unknown as SocketFactory
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

/** A scripted server: answers `echo` calls, never answers `hang`, and can drop every socket. */
async function scriptedServer(): Promise<{ url: string; dropAll(): void; connections(): number }> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 })
  await new Promise((resolve) => wss.once('listening', resolve))
  let count = 0
  wss.on('connection', (socket) => {
    count++
    socket.on('message', (data) => {
      const frame = JSON.parse((data as Buffer).toString('utf8')) as ClientFrame
      if (frame.method === 'echo') socket.send(JSON.stringify({ id: frame.id, result: { ok: true, value: frame.payload } }))
    })
  })
  cleanups.push(() => wss.close())
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    dropAll: () => wss.clients.forEach((c) => c.terminate()),
    connections: () => count,
  }
}

const until = async (check: () => boolean, ms = 5000) => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('WebSocket bridge (browser side)', () => {
  it('queues calls until the socket opens, then round-trips them', async () => {
    const server = await scriptedServer()
    const bridge = createWebSocketBridge(server.url, { WebSocket: Socket })
    cleanups.push(() => bridge.close())
    expect(bridge.state).toBe('connecting')
    expect(await bridge.invoke('echo', { n: 1 })).toEqual({ ok: true, value: { n: 1 } })
    expect(bridge.state).toBe('open')
  })

  it('fails in-flight calls with unavailable when the connection drops, then reconnects', async () => {
    const server = await scriptedServer()
    const bridge = createWebSocketBridge(server.url, { WebSocket: Socket, minDelayMs: 20, maxDelayMs: 50 })
    cleanups.push(() => bridge.close())
    const states: ConnectionState[] = []
    bridge.onStateChange((s) => states.push(s))
    await bridge.invoke('echo', 1)
    const hanging = bridge.invoke('hang', {})
    await until(() => server.connections() === 1)
    server.dropAll()
    const result = await hanging
    expect(result.ok).toBe(false)
    expect(!result.ok && result.error.code).toBe('unavailable')
    expect(await bridge.invoke('echo', 2)).toEqual({ ok: true, value: 2 })
    expect(server.connections()).toBe(2)
    expect(states).toEqual(['open', 'connecting', 'open'])
  })

  it('after close(), calls fail at once and nothing reconnects', async () => {
    const server = await scriptedServer()
    const bridge = createWebSocketBridge(server.url, { WebSocket: Socket, minDelayMs: 10 })
    await bridge.invoke('echo', 0)
    bridge.close()
    const result = await bridge.invoke('echo', 1)
    expect(!result.ok && result.error.code).toBe('unavailable')
    await until(() => bridge.state === 'closed')
    await new Promise((r) => setTimeout(r, 100))
    expect(server.connections()).toBe(1)
  })

  it('derives the socket URL from the page URL, keeping the token', () => {
    expect(browserSocketUrl({ protocol: 'http:', host: '127.0.0.1:8617', search: '?token=abc123' })).toBe(
      'ws://127.0.0.1:8617/ws?token=abc123',
    )
    expect(browserSocketUrl({ protocol: 'https:', host: 'box:443', search: '' })).toBe('wss://box:443/ws')
  })
})

import { existsSync, mkdirSync } from 'node:fs'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { WebSocketServer } from 'ws'
import { TOKEN_PARAM, WS_PATH } from '@shared/transport/bridge'
import { createCore } from '../core/compose'
import type { Core } from '../core/core'
import { authCookie, authorize, newToken } from './auth'
import { securityHeaders } from './headers'
import { resolveStatic, sendFile } from './static-files'
import { attachCoreToSockets } from './ws-bridge'
import { DEFAULT_MAX_UPLOAD_BYTES, handleUpload, UPLOAD_PATH } from './uploads'

export interface BrowserServerOptions {
  dataDir: string
  /** 0 = a random free port. */
  port?: number
  /** Loopback only: the token is the only lock, so the server is never exposed on a network. */
  host?: '127.0.0.1'
  /** The built renderer (default: out/renderer in the repository). */
  rendererDir?: string
  /** Force an engine backend (as --backend). */
  backend?: string | null
  /** Largest file accepted by PUT /upload/… (dataset archives, .h5 bases). */
  maxUploadBytes?: number
}

export interface BrowserServer {
  /** Open this in a browser: it carries the token. */
  url: string
  token: string
  port: number
  core: Core
  close(): Promise<void>
}

/** Largest call payload accepted (a runs.import bundle can be big; images never travel this way). */
const MAX_FRAME_BYTES = 64 * 1024 * 1024

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const DEFAULT_RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer')
const APP_ICON = join(REPO_ROOT, 'resources', 'icon.png')

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(`${text}\n`)
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  const text = status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Not Found'
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`,
  )
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      const address = server.address()
      if (address === null || typeof address === 'string') reject(new Error('server has no TCP address'))
      else resolvePort(address.port)
    })
  })
}

/**
 * Browser mode: the same core as the desktop app, served to a browser on 127.0.0.1 with a per-start
 * token required on every page, asset and WebSocket request.
 */
export async function startBrowserServer(options: BrowserServerOptions): Promise<BrowserServer> {
  const host = options.host ?? '127.0.0.1'
  if (host !== '127.0.0.1') throw new Error('browser mode binds to 127.0.0.1 only')
  const rendererDir = resolve(options.rendererDir ?? DEFAULT_RENDERER_DIR)
  const token = newToken()
  mkdirSync(options.dataDir, { recursive: true })
  const core = await createCore({ dataDir: options.dataDir, shell: 'browser', backend: options.backend ?? null })
  let port = 0

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const headers = securityHeaders(port)
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    const auth = authorize(req, url, token, port)
    if (!auth.ok) {
      plain(
        res,
        auth.status,
        `${auth.status === 401 ? 'unauthorized' : 'forbidden'}: ${auth.reason}. Open the URL printed by \`npm run serve\` (it carries ?${TOKEN_PARAM}=…).`,
        headers,
      )
      return
    }
    if (url.pathname.startsWith(UPLOAD_PATH)) {
      void handleUpload(req, res, url, {
        core,
        dataDir: options.dataDir,
        maxBytes: options.maxUploadBytes ?? DEFAULT_MAX_UPLOAD_BYTES,
        headers,
      })
      return
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      plain(res, 405, 'method not allowed', { ...headers, Allow: 'GET, HEAD' })
      return
    }
    if (auth.via === 'query') headers['Set-Cookie'] = authCookie(token, port)
    if (!existsSync(join(rendererDir, 'index.html'))) {
      plain(res, 503, `the renderer is not built (${rendererDir} has no index.html): run \`npm run build\``, headers)
      return
    }
    let file = resolveStatic(rendererDir, url.pathname)
    // Browsers ask for /favicon.ico on their own; answer with the app icon rather than a 404.
    if (!file && url.pathname === '/favicon.ico' && existsSync(APP_ICON)) file = APP_ICON
    if (!file) {
      plain(res, 404, 'not found', headers)
      return
    }
    sendFile(res, file, headers, req.method === 'HEAD')
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  attachCoreToSockets(wss, core)
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`)
    if (url.pathname !== WS_PATH) return refuseUpgrade(socket, 404, 'not found')
    const auth = authorize(req, url, token, port)
    if (!auth.ok) return refuseUpgrade(socket, auth.status, auth.reason)
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  try {
    port = await listen(server, options.port ?? 0, host)
  } catch (error) {
    await core.close()
    throw error
  }

  let closing: Promise<void> | null = null
  return {
    url: `http://127.0.0.1:${port}/?${TOKEN_PARAM}=${token}`,
    token,
    port,
    core,
    close() {
      closing ??= (async () => {
        for (const client of wss.clients) client.close(1001, 'server shutting down')
        await new Promise<void>((done) => wss.close(() => done()))
        server.closeAllConnections()
        await new Promise<void>((done) => server.close(() => done()))
        await core.close()
      })()
      return closing
    },
  }
}

import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import { TOKEN_PARAM } from '@shared/transport/bridge'

/** A fresh random token per server start (192 bits, hex), like Jupyter's. */
export function newToken(): string {
  return randomBytes(24).toString('hex')
}

/** Cookie set after the first tokened request, so assets and reloads need no token in their URL. */
export function cookieName(port: number): string {
  // Cookies ignore ports: name them per port so two servers on one host do not clash.
  return `cifar_workbench_${port}`
}

function sameToken(given: string | null | undefined, expected: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

function cookieToken(req: IncomingMessage, port: number): string | null {
  const header = req.headers.cookie
  if (!header) return null
  const name = cookieName(port)
  for (const part of header.split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return null
}

export type AuthResult = { ok: true; via: 'query' | 'cookie' } | { ok: false; status: 401 | 403; reason: string }

/**
 * Checks one request (page, asset or WebSocket upgrade): the Host must be this loopback server (a
 * DNS-rebinding page cannot pass), a cross-origin Origin is refused, and the token must match, from
 * `?token=` or the cookie.
 */
export function authorize(req: IncomingMessage, url: URL, token: string, port: number): AuthResult {
  const allowedHosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`])
  if (!req.headers.host || !allowedHosts.has(req.headers.host.toLowerCase())) {
    return { ok: false, status: 403, reason: `host "${req.headers.host ?? ''}" is not this server` }
  }
  const origin = req.headers.origin
  if (origin && origin !== 'null' && !allowedHosts.has(origin.replace(/^https?:\/\//, '').toLowerCase())) {
    return { ok: false, status: 403, reason: `origin "${origin}" is not this server` }
  }
  if (sameToken(url.searchParams.get(TOKEN_PARAM), token)) return { ok: true, via: 'query' }
  if (sameToken(cookieToken(req, port), token)) return { ok: true, via: 'cookie' }
  return { ok: false, status: 401, reason: 'missing or wrong token' }
}

export function authCookie(token: string, port: number): string {
  return `${cookieName(port)}=${token}; HttpOnly; SameSite=Strict; Path=/`
}

import { readFile } from 'node:fs/promises'
import { protocol } from 'electron'
import { mimeType, resolveStatic } from '../server/static-files'
import { APP_HOST, APP_SCHEME } from './origin'

/** Must run before app is ready: app:// behaves like https (standard, secure, fetch-able, module scripts load). */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  ])
}

/** Serves the built renderer at app://workbench/, with the CSP on every response. */
export function serveRenderer(rendererDir: string, csp: string): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    const file = url.host === APP_HOST ? resolveStatic(rendererDir, url.pathname) : null
    if (!file) return new Response('not found', { status: 404, headers: { 'Content-Type': 'text/plain' } })
    const body = await readFile(file)
    return new Response(body, {
      status: 200,
      headers: { 'Content-Type': mimeType(file), 'Content-Security-Policy': csp, 'X-Content-Type-Options': 'nosniff' },
    })
  })
}

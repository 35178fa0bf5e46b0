import { createReadStream, existsSync, statSync } from 'node:fs'
import type { ServerResponse } from 'node:http'
import { extname, join, normalize, resolve, sep } from 'node:path'

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
}

/**
 * Resolves a URL path inside the renderer folder. Paths escaping the folder are refused; unknown
 * extension-less paths fall back to index.html so client-side routes survive a reload.
 */
export function resolveStatic(rendererDir: string, pathname: string): string | null {
  const root = resolve(rendererDir)
  let decoded: string
  try {
    decoded = decodeURIComponent(pathname)
  } catch {
    return null
  }
  if (decoded.includes('\0')) return null
  const candidate = resolve(root, `.${normalize(`/${decoded}`)}`)
  if (candidate !== root && !candidate.startsWith(root + sep)) return null
  if (existsSync(candidate) && statSync(candidate).isFile()) return candidate
  if (existsSync(candidate) && statSync(candidate).isDirectory() && existsSync(join(candidate, 'index.html'))) {
    return join(candidate, 'index.html')
  }
  if (extname(decoded) === '') {
    const index = join(root, 'index.html')
    return existsSync(index) ? index : null
  }
  return null
}

export function mimeType(file: string): string {
  return MIME[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

export function sendFile(res: ServerResponse, file: string, headers: Record<string, string>, headOnly: boolean): void {
  const type = mimeType(file)
  const isIndex = file.endsWith(`${sep}index.html`)
  res.writeHead(200, {
    ...headers,
    'Content-Type': type,
    'Content-Length': String(statSync(file).size),
    // Hashed assets never change; the page itself must always be fresh.
    'Cache-Control': isIndex ? 'no-store' : 'private, max-age=31536000, immutable',
  })
  if (headOnly) {
    res.end()
    return
  }
  createReadStream(file)
    .on('error', () => res.destroy())
    .pipe(res)
}

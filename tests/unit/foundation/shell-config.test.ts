import { existsSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { contentSecurityPolicy } from '../../../src-main/electron/csp'
import { APP_ENTRY, createOriginCheck } from '../../../src-main/electron/origin'
import { securityHeaders } from '../../../src-main/server/headers'

const repoRoot = resolve(import.meta.dirname, '..', '..', '..')
const out = join(repoRoot, 'out')

describe('Electron origin check (IPC sender frames, navigation)', () => {
  const packaged = createOriginCheck(null)
  const dev = createOriginCheck(new URL('http://localhost:5173/'))

  it('trusts only the app scheme when packaged', () => {
    expect(packaged(APP_ENTRY)).toBe(true)
    expect(packaged('app://workbench/assets/index.js')).toBe(true)
    expect(packaged('app://other/index.html')).toBe(false)
    expect(packaged('https://example.com/')).toBe(false)
    expect(packaged('file:///etc/passwd')).toBe(false)
    expect(packaged('http://localhost:5173/')).toBe(false)
    expect(packaged('not a url')).toBe(false)
  })

  it('adds exactly the dev server origin in development', () => {
    expect(dev('http://localhost:5173/#/settings')).toBe(true)
    expect(dev('http://localhost:5174/')).toBe(false)
    expect(dev('https://localhost:5173/')).toBe(false)
    expect(dev('http://127.0.0.1:5173/')).toBe(false)
  })
})

describe('content security policies', () => {
  it('desktop: no remote sources, no inline or eval scripts, no objects or frames', () => {
    const csp = contentSecurityPolicy(null)
    expect(csp).toContain("default-src 'none'")
    expect(csp).toContain("script-src 'self';")
    expect(csp).not.toMatch(/unsafe-eval|https?:|\*/)
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-src 'none'")
  })

  it('browser mode: scripts from self, the socket of this port only', () => {
    const headers = securityHeaders(4321)
    expect(headers['Content-Security-Policy']).toContain("connect-src 'self' ws://127.0.0.1:4321 ws://localhost:4321")
    expect(headers['Content-Security-Policy']).not.toMatch(/unsafe-eval/)
    expect(headers['Referrer-Policy']).toBe('no-referrer')
  })
})

// `npm test` builds before running vitest; when run alone without a build, these say so and skip.
describe.skipIf(!existsSync(join(out, 'main', 'index.js')))('electron-vite build output (run `npm run build` first)', () => {
  it('has the main, training-worker, preload and renderer bundles', () => {
    for (const file of ['main/index.js', 'main/training-worker.js', 'preload/index.cjs', 'renderer/index.html']) {
      expect(existsSync(join(out, file)), file).toBe(true)
    }
  })

  it('the preload is one CommonJS file that requires nothing but electron (sandbox requirement)', () => {
    const preload = readFileSync(join(out, 'preload', 'index.cjs'), 'utf8')
    const required = [...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1])
    expect(required).toEqual(['electron'])
    expect(preload).not.toMatch(/^import /m)
    expect(preload).toContain('exposeInMainWorld("workbench"')
  })

  it('the training worker never loads the main entry (which would start a second app)', () => {
    // Follow every static and dynamic relative import reachable from the worker bundle.
    const seen = new Set<string>()
    const pending = [join(out, 'main', 'training-worker.js')]
    while (pending.length > 0) {
      const file = pending.pop()!
      if (seen.has(file)) continue
      seen.add(file)
      const code = readFileSync(file, 'utf8')
      for (const m of code.matchAll(/(?:from|import\()\s*["'](\.{1,2}\/[^"']+)["']/g)) pending.push(resolve(dirname(file), m[1]!))
    }
    expect([...seen]).not.toContain(join(out, 'main', 'index.js'))
  })

  it('keeps native packages external and loads the main entry as ESM', () => {
    const main = readFileSync(join(out, 'main', 'index.js'), 'utf8')
    expect(main).toMatch(/from "electron"/)
    expect(main).not.toContain('function Database(') // better-sqlite3 is not bundled
  })
})

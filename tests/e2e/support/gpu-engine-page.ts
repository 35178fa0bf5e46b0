// The GPU engine page (the desktop app's hidden training window) in a real Chromium on its own WebGPU,
// for the e2e tests: the built page served with the app's CSP, Chromium started with the WebGPU
// switches on SwiftShader, and the check that Chromium gave an adapter at all.
import { createServer, type Server } from 'node:http'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { GPU_ENGINE_PORT_MESSAGE, GpuEngineEvent, type GpuEngineRequest } from '@shared/contract/gpu-engine'
import { helloOverPort, type GpuEngineLink, type GpuHost } from '../../../src-main/engine/backend/gpu-host'
import { contentSecurityPolicy } from '../../../src-main/electron/csp'
import { mimeType, resolveStatic } from '../../../src-main/server/static-files'
import { CHROMIUM, CHROMIUM_ARGS, RENDERER_DIR } from './harness'

const PAGE_DIR = join(RENDERER_DIR, 'gpu-engine')

/**
 * Chromium's WebGPU without a GPU: SwiftShader's Vulkan (Debian ships libvk_swiftshader.so with
 * chromium). The app sets the same switches on Linux (src-main/electron/gpu-engine.ts); SwiftShader
 * is what a machine without a GPU driver falls back to.
 */
const WEBGPU_ARGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-vulkan=swiftshader',
  '--use-webgpu-adapter=swiftshader',
  '--disable-vulkan-surface',
]

/** Why the GPU engine page tests cannot run here (null: they can); under CI a missing piece is an error. */
export function missingGpuEnginePage(what: string): string | null {
  const missing = !existsSync(CHROMIUM)
    ? 'Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)'
    : !existsSync(join(PAGE_DIR, 'index.html'))
      ? `the GPU engine page is not built (${PAGE_DIR}/index.html missing): run npx electron-vite build`
      : null
  if (missing && process.env.CI) throw new Error(`${what} cannot run: ${missing}`)
  if (missing) console.warn(`skipping ${what}: ${missing}`)
  return missing
}

/** The built renderer over http://127.0.0.1 (a secure context, as app:// is) with the desktop app's CSP. */
async function serveRenderer(): Promise<{ server: Server; url: string }> {
  const csp = contentSecurityPolicy(null)
  const server = createServer((request, response) => {
    // The files the app serves at app://workbench/, resolved by the same code (no path escapes the folder).
    const file = resolveStatic(RENDERER_DIR, new URL(request.url ?? '/', 'http://127.0.0.1').pathname)
    if (!file) {
      response.writeHead(404).end()
      return
    }
    response.writeHead(200, { 'Content-Type': mimeType(file), 'Content-Security-Policy': csp })
    response.end(readFileSync(file))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('no port')
  return { server, url: `http://127.0.0.1:${address.port}/gpu-engine/index.html` }
}

export interface GpuEngineBrowser {
  context: BrowserContext
  page: Page
  url: string
  /** Page errors and console errors seen so far. */
  pageErrors: string[]
  close(): Promise<void>
}

/** Chromium with WebGPU on SwiftShader and one page, not yet on the GPU engine page (see freshGpuEnginePage). */
export async function launchGpuEngineBrowser(): Promise<GpuEngineBrowser> {
  const { server, url } = await serveRenderer()
  const profile = mkdtempSync(join(tmpdir(), 'cw-e2e-gpu-profile-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    // --disable-gpu would switch WebGPU off with the rest of the GPU process.
    args: [...CHROMIUM_ARGS.filter((a) => a !== '--disable-gpu'), ...WEBGPU_ARGS],
    viewport: { width: 900, height: 420 },
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const pageErrors: string[] = []
  page.on('pageerror', (e) => pageErrors.push(e.message))
  page.on('console', (m) => {
    // Chromium asks for /favicon.ico on its own; the page does not have one.
    if (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico')) pageErrors.push(`${m.text()} (${m.location().url})`)
  })
  return {
    context,
    page,
    url,
    pageErrors,
    async close() {
      await context.close().catch(() => {})
      server.close()
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** The page's globals the host scripts use (these files are typed for Node, without the DOM). */
export interface PagePort {
  onmessage: ((message: { data: unknown }) => void) | null
  postMessage(message: unknown, transfer: ArrayBuffer[]): void
}
export interface PageGlobals {
  MessageChannel: new () => { port1: PagePort; port2: unknown }
  postMessage(message: unknown, targetOrigin: string, transfer: unknown[]): void
  navigator: { gpu?: { requestAdapter(): Promise<{ info: Record<'vendor' | 'architecture' | 'description', string> } | null> } }
}

/** The GPU engine page freshly loaded, or false (the test skipped; failed under CI) when Chromium has no adapter. */
export async function freshGpuEnginePage(browser: GpuEngineBrowser, ctx: { skip(): void }): Promise<boolean> {
  const { page } = browser
  await page.goto(browser.url)
  const adapter = await page.evaluate(async () => {
    const a = await (globalThis as unknown as PageGlobals).navigator.gpu?.requestAdapter()
    return a ? { vendor: a.info.vendor, architecture: a.info.architecture, description: a.info.description } : null
  })
  if (adapter) {
    console.info(`Chromium WebGPU adapter: ${JSON.stringify(adapter)}`)
    return true
  }
  const reason = 'Chromium gave no WebGPU adapter (navigator.gpu.requestAdapter() returned null with SwiftShader Vulkan)'
  if (process.env.CI) throw new Error(reason)
  console.warn(`skipping: ${reason}`)
  ctx.skip()
  return false
}

type BridgeGlobals = PageGlobals & {
  __workbenchGpuEvent(event: unknown): Promise<void>
  __workbenchGpuSend?(message: unknown): void
}

/**
 * The GPU engine page as the training service borrows it (src-main/engine/backend/gpu-host.ts), hosted
 * by this test instead of the app's main process: one MessageChannel into the page, as the preload
 * hands it one, with requests posted through it and its events brought back to Node.
 */
export async function pageGpuHost(browser: GpuEngineBrowser): Promise<GpuHost & { events: GpuEngineEvent[]; page: Page }> {
  // A page of its own, as each GPU engine window is: its binding and its device are its alone.
  const page = await browser.context.newPage()
  page.on('pageerror', (e) => browser.pageErrors.push(e.message))
  const listeners = new Set<(event: GpuEngineEvent) => void>()
  const events: GpuEngineEvent[] = []
  await page.exposeBinding('__workbenchGpuEvent', (_source, raw: unknown) => {
    const event = GpuEngineEvent.parse(raw)
    events.push(event)
    listeners.forEach((listener) => listener(event))
  })
  await page.goto(browser.url)
  await page.evaluate((tag) => {
    const g = globalThis as unknown as BridgeGlobals
    const channel = new g.MessageChannel()
    g.postMessage(tag, '*', [channel.port2])
    channel.port1.onmessage = (message) => void g.__workbenchGpuEvent(message.data)
    g.__workbenchGpuSend = (message) => channel.port1.postMessage(message, [])
  }, GPU_ENGINE_PORT_MESSAGE)
  const send = (request: GpuEngineRequest): void => {
    page
      .evaluate((message) => (globalThis as unknown as BridgeGlobals).__workbenchGpuSend!(message), request)
      .catch((error: unknown) => {
        // The page itself gone: what the app's host reports as the window ending.
        const message = `the GPU engine page is gone: ${error instanceof Error ? error.message : String(error)}`
        listeners.forEach((listener) => listener({ type: 'error', jobId: null, kind: 'failed', message }))
      })
  }
  const subscribe = (listener: (event: GpuEngineEvent) => void): (() => void) => {
    listeners.add(listener)
    return () => listeners.delete(listener)
  }
  let ready: Promise<GpuEngineLink> | null = null
  return {
    events,
    page,
    connect(allowSoftwareAdapter) {
      ready ??= helloOverPort(send, subscribe, allowSoftwareAdapter)
      const current = ready
      current.catch(() => ready === current && (ready = null))
      return current
    },
  }
}

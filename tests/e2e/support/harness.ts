import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { startBrowserServer, type BrowserServer } from '../../../src-main/server'

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..')
export const RENDERER_DIR = join(REPO_ROOT, 'out', 'renderer')
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'screenshots')
export { SHARED_DIR, missingShared } from '../../support/shared-data'
/** Debian's Chromium (what CI installs), else $CHROMIUM_PATH or another local Chrome/Chromium. */
export const CHROMIUM =
  [
    process.env.CHROMIUM_PATH,
    '/usr/bin/chromium',
    '/usr/bin/chromium-browser',
    '/usr/bin/google-chrome',
    '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
    '/Applications/Chromium.app/Contents/MacOS/Chromium',
  ].find((path): path is string => Boolean(path) && existsSync(path!)) ?? '/usr/bin/chromium'

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

/** Why the e2e suite cannot run here, or null when it can. */
export function missingPrerequisite(): string | null {
  const missing = !existsSync(CHROMIUM)
    ? `Chromium not found (apt-get install chromium, or set CHROMIUM_PATH)`
    : !existsSync(join(RENDERER_DIR, 'index.html'))
      ? `renderer not built (${RENDERER_DIR}/index.html missing): run npx electron-vite build`
      : null
  // CI installs both, so there a missing one is a broken setup, never a quiet skip.
  if (missing && process.env.CI) throw new Error(`end-to-end tests cannot run: ${missing}`)
  if (missing) console.warn(`skipping the end-to-end tests: ${missing}`)
  return missing
}

export interface Workbench {
  server: BrowserServer
  context: BrowserContext
  page: Page
  dataDir: string
  downloadsDir: string
  /** Console errors and page errors seen so far (a clean UI has none). */
  errors: string[]
  close(): Promise<void>
}

/** A headless Debian Chromium on its own fresh profile (no cookies shared with other contexts). */
export async function launchChromium(profile: string, downloadsDir: string, locale = 'en-US'): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [...CHROMIUM_ARGS, `--lang=${locale}`],
    viewport: { width: 1400, height: 900 },
    locale,
    acceptDownloads: true,
    downloadsPath: downloadsDir,
  })
}

/** A second browser, e.g. another language or no auth cookie; closed and removed by `close`. */
export async function extraBrowser(locale = 'en-US'): Promise<{ context: BrowserContext; page: Page; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'cw-e2e-profile-'))
  const context = await launchChromium(profile, profile, locale)
  const page = context.pages()[0] ?? (await context.newPage())
  return {
    context,
    page,
    async close() {
      await context.close().catch(() => {})
      rmSync(profile, { recursive: true, force: true })
    },
  }
}

/** Browser mode in-process on a fresh data directory, and a headless Debian Chromium pointed at it. */
export async function startWorkbench(
  options: { locale?: string; dataDir?: string; maxUploadBytes?: number } = {},
): Promise<Workbench> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cw-e2e-data-'))
  const profile = mkdtempSync(join(tmpdir(), 'cw-e2e-profile-'))
  const downloadsDir = mkdtempSync(join(tmpdir(), 'cw-e2e-downloads-'))
  const server = await startBrowserServer({
    dataDir,
    port: 0,
    rendererDir: RENDERER_DIR,
    ...(options.maxUploadBytes ? { maxUploadBytes: options.maxUploadBytes } : {}),
  })
  const context = await launchChromium(profile, downloadsDir, options.locale)
  const page = context.pages()[0] ?? (await context.newPage())
  const errors: string[] = []
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`))
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`)
  })
  return {
    server,
    context,
    page,
    dataDir,
    downloadsDir,
    errors,
    async close() {
      await context.close().catch(() => {})
      await server.close()
      for (const dir of [profile, downloadsDir, ...(options.dataDir ? [] : [dataDir])])
        rmSync(dir, { recursive: true, force: true })
    },
  }
}

/**
 * Saves a screenshot under test-output/screenshots. The app scrolls inside <main>, not the page, so a
 * `height` taller than the window resizes the viewport for the shot (and back) to show a whole view.
 */
export async function screenshot(page: Page, name: string, options: { height?: number } = {}): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true })
  const file = join(SCREENSHOT_DIR, `${name}.png`)
  const before = page.viewportSize()
  if (options.height && before) {
    await page.setViewportSize({ width: before.width, height: options.height })
    await page.waitForTimeout(250)
  }
  try {
    await page.screenshot({ path: file, fullPage: false })
  } finally {
    if (options.height && before) await page.setViewportSize(before)
  }
  return file
}

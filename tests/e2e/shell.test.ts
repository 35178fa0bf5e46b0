import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { extraBrowser, missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'

const missing = missingPrerequisite()
if (missing) console.warn(`skipping the shell e2e test: ${missing}`)

/** The renderer shell in Chromium over browser mode. */
describe.skipIf(missing !== null)('renderer shell in browser mode', () => {
  let wb: Workbench

  beforeAll(async () => {
    wb = await startWorkbench()
  })
  afterAll(async () => {
    await wb?.close()
  })

  const views = ['experiments', 'live', 'history', 'compare', 'data', 'models', 'settings'] as const

  it('navigates every view and screenshots each', async () => {
    const { page } = wb
    await page.goto(wb.server.url)
    await page.locator('nav [data-nav="experiments"]').waitFor()
    for (const view of views) {
      await page.locator(`nav [data-nav="${view}"]`).click()
      await page.waitForURL(new RegExp(`#/${view}`))
      await page.locator('main h1').first().waitFor()
      expect(await page.locator(`nav [data-nav="${view}"]`).getAttribute('class')).toContain('active')
      await page.waitForTimeout(150)
      await screenshot(page, `shell-${view}`)
    }
    expect(wb.errors).toEqual([])
  })

  it('Settings shows the backend the core really runs', async () => {
    const { page } = wb
    const doctor = await wb.server.core.call('system.doctor', {})
    await page.goto(`${wb.server.url.split('#')[0]}#/settings`)
    const backend = page.locator('[data-testid="doctor-backend"]')
    await backend.waitFor()
    expect(await backend.textContent()).toBe(doctor.backend)
    expect(await page.locator('[data-testid="doctor-datadir"]').textContent()).toBe(wb.dataDir)
    // The libtensorflow line: its version and origin when a native package loaded one, else none.
    const lib = (await page.locator('[data-testid="doctor-libtensorflow"]').textContent()) ?? ''
    if (doctor.libtensorflow?.version)
      expect(lib).toContain(`${doctor.libtensorflow.version} · ${doctor.libtensorflow.package} · ${doctor.libtensorflow.source}`)
    else expect(lib.trim().length).toBeGreaterThan(0)
    await screenshot(page, 'shell-settings-doctor')
  })

  it('follows the browser language (Spanish) and switches language from Settings', async () => {
    const es = await extraBrowser('es-ES')
    try {
      await es.page.goto(wb.server.url)
      await es.page.locator('nav [data-nav="experiments"]').waitFor()
      expect(await es.page.locator('nav [data-nav="history"]').textContent()).toContain('Historial')
      await screenshot(es.page, 'shell-experiments-es')
    } finally {
      await es.close()
    }
    const { page } = wb
    await page.goto(`${wb.server.url.split('#')[0]}#/settings`)
    await page.locator('[data-testid="settings-language"]').selectOption('es')
    await page.locator('nav [data-nav="settings"]', { hasText: 'Ajustes' }).waitFor()
    await page.locator('[data-testid="settings-language"]').selectOption('en')
    await page.locator('nav [data-nav="settings"]', { hasText: 'Settings' }).waitFor()
  })

  it('refuses a wrong token, for the page and for the socket', async () => {
    const other = await extraBrowser()
    try {
      const url = new URL(wb.server.url)
      url.searchParams.set('token', 'wrong-token')
      const response = await other.page.goto(url.toString())
      expect(response?.status()).toBe(401)
      expect(await other.page.locator('body').textContent()).toMatch(/unauthorized/i)
      await screenshot(other.page, 'shell-wrong-token')
    } finally {
      await other.close()
    }
    const wsUrl = new URL(wb.server.url)
    wsUrl.protocol = 'ws:'
    wsUrl.pathname = '/ws'
    wsUrl.searchParams.set('token', 'wrong-token')
    const refused = await new Promise<string>((resolve) => {
      const ws = new WebSocket(wsUrl.toString())
      ws.on('open', () => resolve('opened'))
      ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`))
      ws.on('error', (e) => resolve(`error ${e.message}`))
    })
    expect(refused).toMatch(/401/)
  })
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'

const missing = missingPrerequisite()

/**
 * The real renderer on a real server, with one answer on the socket turned into a failure: the queue
 * cannot be read on demand otherwise, and Live must say so rather than look idle.
 */
describe.skipIf(missing !== null)('Live when the run queue cannot be read', () => {
  let wb: Workbench
  beforeAll(async () => {
    wb = await startWorkbench()
  })
  afterAll(async () => {
    await wb?.close()
  })

  it('shows the error in Live and in the Experiments queue instead of an empty state', async () => {
    const { page, server } = wb
    await page.routeWebSocket(/\/ws/, (ws) => {
      const real = ws.connectToServer()
      ws.onMessage((data) => {
        const frame = JSON.parse(String(data)) as { id: number; method: string }
        if (frame.method !== 'training.queue') return real.send(data)
        ws.send(
          JSON.stringify({
            id: frame.id,
            result: { ok: false, error: { code: 'failed', message: 'the run store is locked by another process' } },
          }),
        )
      })
    })
    await page.goto(`${server.url}#/live`)
    const alert = page.locator('main [role="alert"]')
    await alert.first().waitFor()
    expect(await alert.first().textContent()).toContain('the run store is locked by another process')
    expect(await page.locator('main .empty').count()).toBe(0)
    await screenshot(page, 'live-queue-error')
    await page.goto(`${server.url}#/experiments`)
    await page.locator('[data-testid="experiment-form"]').waitFor()
    expect(await page.locator('.side [role="alert"]').textContent()).toContain('locked')
    expect(await page.getByText('The queue is empty.').count()).toBe(0)
  })
})

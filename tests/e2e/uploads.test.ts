import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { create as tarCreate, x as untar } from 'tar'
import { SHARED_DIR, missingPrerequisite, screenshot, startWorkbench, type Workbench } from './support/harness'

const missing = missingPrerequisite()
const ARCHIVE = join(SHARED_DIR, 'data', 'cifar10-jpg.tar.gz')
if (missing) console.warn(`skipping the uploads e2e test: ${missing}`)
const noData = existsSync(ARCHIVE) ? null : `real data not found at ${ARCHIVE}`
if (noData && process.env.CI) throw new Error(`uploads e2e under CI: ${noData}`)
/** Above the 600-image archive (≈0.6 MB), below nothing a real dataset is. */
const LIMIT = 4 * 1024 * 1024

describe.skipIf(missing !== null)('browser-mode uploads from the Data view', () => {
  let wb: Workbench
  let scratch: string
  const leftovers = () => (existsSync(join(wb.dataDir, 'uploads')) ? readdirSync(join(wb.dataDir, 'uploads')) : [])

  beforeAll(async () => {
    wb = await startWorkbench({ maxUploadBytes: LIMIT })
    scratch = mkdtempSync(join(tmpdir(), 'cw-e2e-uploads-'))
    await wb.page.goto(`${wb.server.url}#/data`)
    await wb.page.locator('[data-testid="import-path-upload"]').waitFor({ state: 'attached' })
  })
  afterAll(async () => {
    await wb?.close()
    if (scratch) rmSync(scratch, { recursive: true, force: true })
  })

  const upload = (file: string) => wb.page.locator('[data-testid="import-path-upload"]').setInputFiles(file)
  const alert = () => wb.page.locator('main .card [role="alert"]')

  it('a broken archive: the import’s own error, naming the uploaded file; nothing registered or left', async () => {
    const broken = join(scratch, 'broken.tar.gz')
    writeFileSync(broken, Buffer.from('this is not a gzip archive\n'.repeat(40)))
    await upload(broken)
    await alert().waitFor()
    const message = (await alert().textContent()) ?? ''
    expect(message).toMatch(/broken\.tar\.gz: not gzip data/)
    expect(message).not.toContain(wb.dataDir)
    expect(leftovers()).toEqual([])
    expect(await wb.page.locator('[data-testid="datasets"]').count()).toBe(0)
  })

  it('an oversized file is refused with the limit and what to do instead', async () => {
    const big = join(scratch, 'big.tar.gz')
    writeFileSync(big, Buffer.alloc(LIMIT + 1024, 1))
    await upload(big)
    await wb.page.locator('main .card [role="alert"]', { hasText: 'larger than the upload limit' }).waitFor()
    expect(await alert().textContent()).toContain(
      `big.tar.gz is larger than the upload limit of ${LIMIT} bytes; import it from a path on the workbench machine instead`,
    )
    expect(leftovers()).toEqual([])
  })

  it.skipIf(noData !== null)(
    'a real CIFAR-10 archive (600 images) uploads, imports and lists; the upload copy is gone',
    async () => {
      await untar({
        file: ARCHIVE,
        cwd: scratch,
        filter: (path) => /^cifar10-jpg\/(train|test)\/[a-z]+\/00[0-2]\d\.jpg$/.test(path),
      })
      const archive = join(scratch, 'cifar10-subset.tar.gz')
      await tarCreate({ gzip: true, file: archive, cwd: scratch }, ['cifar10-jpg'])
      expect(statSync(archive).size).toBeLessThan(LIMIT)
      await upload(archive)
      await wb.page.locator('[data-testid="datasets"]').waitFor()
      const datasets = (await wb.server.core.invoke('datasets.list', {})) as {
        ok: true
        value: Array<{ name: string; totals: { train: number; test: number } }>
      }
      expect(datasets.value).toEqual([expect.objectContaining({ name: 'cifar10-subset', totals: { train: 300, test: 300 } })])
      expect(leftovers()).toEqual([])
      await screenshot(wb.page, 'data-uploaded')
    },
  )
})

import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { RunBundle } from '@shared/contract/methods'
import { createCore } from '../../../src-main/core/compose'
import type { Core } from '../../../src-main/core/core'
import { createShellHandlers, reportFolderName, type ReportPort } from '../../../src-main/electron/shell-handlers'
import { fakeRun } from '../charts/fixtures'

/**
 * The desktop Report action as the shell serves it, over its port: the folder dialog (answered
 * here), the real core writing the report, and a printer standing in for Electron's printToPDF that
 * records which file it was given.
 */
describe('shell.writeReport', () => {
  let dir: string
  let core: Core
  const printed: string[] = []
  const announced: string[] = []
  const answers: Array<string | null> = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-desktop-report-'))
    core = await createCore({ dataDir: join(dir, 'data'), shell: 'electron' })
    const bundle: RunBundle = {
      format: 'cifar-workbench-runs',
      version: 1,
      exportedAt: new Date().toISOString(),
      appVersion: '0.1.0',
      runs: [fakeRun({ id: 'desk-a', name: 'Seed CNN', epochs: 2 }), fakeRun({ id: 'desk-b', name: 'Other', epochs: 2 })],
      epochCsv: {},
    }
    await core.call('runs.import', { bundle })
  })
  afterAll(async () => {
    await core?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  const report: ReportPort = {
    write: (request) => core.call('report.write', request),
    showFolderDialog: () => Promise.resolve(answers.shift() ?? null),
    printToPdf: (file) => (printed.push(file), Promise.resolve(new TextEncoder().encode('%PDF-1.4 test'))),
  }
  const invoke = () =>
    createShellHandlers({
      dataDir: dir,
      defaultSaveDir: dir,
      report,
      platform: {
        announceSaved: (path) => void announced.push(path),
        showOpenDialog: () => Promise.resolve(null),
        showSaveDialog: () => Promise.resolve(null),
        showItemInFolder: () => {},
        openPath: () => Promise.resolve(),
      },
    })

  it('writes the report into a new folder inside the one chosen, with the bundle zip and the PDF', async () => {
    answers.push(dir)
    const result = await invoke()('shell.writeReport', { ids: ['desk-a', 'desk-b'], lang: 'es', gradCamImages: 0 })
    expect(result.ok).toBe(true)
    const value = (result as { value: { folder: string; pdf: string } }).value
    expect(value.folder.startsWith(join(dir, 'report-'))).toBe(true)
    expect(readdirSync(value.folder).sort()).toEqual(['figures', 'figures.zip', 'report.html', 'report.md', 'report.pdf'])
    expect(printed).toEqual([join(value.folder, 'report.html')])
    expect(readFileSync(value.pdf, 'utf8')).toBe('%PDF-1.4 test')
    expect(readFileSync(join(value.folder, 'report.html'), 'utf8')).toContain('<html lang="es">')
    expect(announced).toEqual([join(value.folder, 'report.html')])
  })

  it('a second report beside it gets a folder of its own; a cancelled dialog writes nothing', async () => {
    const at = new Date('2026-03-04T05:06:07Z')
    expect(reportFolderName(dir, at)).toBe('report-2026-03-04-0506')
    mkdirSync(join(dir, 'report-2026-03-04-0506'))
    expect(reportFolderName(dir, at)).toBe('report-2026-03-04-0506-2')
    answers.push(null)
    expect(await invoke()('shell.writeReport', { ids: ['desk-a'] })).toEqual({
      ok: true,
      value: { folder: null, pdf: null, omitted: [] },
    })
    expect(await invoke()('shell.writeReport', { ids: [] })).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(await invoke()('shell.writeReport', { ids: ['desk-a'], out: '/tmp/x' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_input' },
    })
  })
})

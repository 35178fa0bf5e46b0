// The shell capabilities of the contract (src-shared/contract/shell.ts) as plain logic over a small
// platform port, so they are tested without Electron: which dialog each path field gets, the save
// dialog's folder memory, writing exports, and refusing bad input like the core does.
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join } from 'node:path'
import type { ReportWriteRequest, ReportWriteResult } from '@shared/report/schema'
import { diskError } from '../report/target'
import { ContractError, issuesOf, shellMethods, type CallResult, type OpenPurpose, type SaveKind } from '@shared/contract'
import { isShellMethodName, type ShellMethodName, type ShellOutput } from '@shared/contract'
import type { z } from 'zod'

export interface OpenDialogSpec {
  title: string
  properties: Array<'openFile' | 'openDirectory'>
  filters: Array<{ name: string; extensions: string[] }>
  defaultPath?: string
}
export interface SaveDialogSpec {
  title: string
  defaultPath: string
  filters: Array<{ name: string; extensions: string[] }>
}

/** What the handlers need from the desktop (Electron's dialog and shell modules, in main.ts). */
export interface ShellPlatform {
  showOpenDialog(spec: OpenDialogSpec): Promise<string | null>
  showSaveDialog(spec: SaveDialogSpec): Promise<string | null>
  showItemInFolder(path: string): void
  openPath(path: string): Promise<void>
  /** After an export is written: offers "Show in folder" for it (a notification in main.ts). */
  announceSaved(path: string): void
}

/** Remembered between calls: the last folder of a save and of each kind of open. */
export interface ShellMemory {
  lastSaveDir: string | null
  lastOpenDir: Partial<Record<OpenPurpose, string>>
}

export const OPEN_DIALOGS: Record<OpenPurpose, Omit<OpenDialogSpec, 'defaultPath'>> = {
  'dataset-archive': {
    title: 'Import a dataset archive',
    properties: ['openFile'],
    filters: [{ name: 'CIFAR-10 or image archives', extensions: ['gz', 'tgz', 'tar', 'zip'] }],
  },
  'dataset-folder': { title: 'Import a dataset folder', properties: ['openDirectory'], filters: [] },
  'base-model-folder': { title: 'Import a TensorFlow.js model folder', properties: ['openDirectory'], filters: [] },
  'base-model-file': {
    title: 'Import a base model file',
    properties: ['openFile'],
    filters: [{ name: 'Keras or PyTorch weights, or a TensorFlow.js model', extensions: ['h5', 'safetensors', 'json'] }],
  },
  bundle: { title: 'Import a run bundle', properties: ['openFile'], filters: [{ name: 'Run bundles', extensions: ['json'] }] },
}

export const SAVE_FILTERS: Record<SaveKind, { name: string; extensions: string[] }> = {
  png: { name: 'PNG image', extensions: ['png'] },
  svg: { name: 'SVG image', extensions: ['svg'] },
  html: { name: 'HTML report', extensions: ['html'] },
  csv: { name: 'CSV table', extensions: ['csv'] },
  json: { name: 'Run bundle', extensions: ['json'] },
}

/** What the Report action needs beyond the dialogs: the core's writer and the shell's printer. */
export interface ReportPort {
  write(request: ReportWriteRequest): Promise<ReportWriteResult>
  showFolderDialog(spec: { title: string; defaultPath: string }): Promise<string | null>
  /** The HTML file printed to PDF (Electron's printToPDF in a hidden window). */
  printToPdf(htmlFile: string): Promise<Uint8Array>
}

/** A new folder's name in `parent`: "report-2026-12-01-1130", "-2", "-3"… when taken. */
export function reportFolderName(parent: string, now: Date): string {
  const stamp = now.toISOString().slice(0, 16).replace('T', '-').replace(':', '')
  let name = `report-${stamp}`
  for (let n = 2; existsSync(join(parent, name)); n++) name = `report-${stamp}-${n}`
  return name
}

export interface ShellHandlerOptions {
  platform: ShellPlatform
  /** The Report action; absent: shell.writeReport answers unavailable. */
  report?: ReportPort
  dataDir: string
  /** Where the first save dialog opens (the user's Downloads or Documents folder). */
  defaultSaveDir: string
  memory?: ShellMemory
  /** Called after each change of memory, to persist it. */
  onMemoryChange?: (memory: ShellMemory) => void
}

type Handlers = { [M in ShellMethodName]: (input: never) => Promise<ShellOutput<M>> }
type ShellInputOf<M extends ShellMethodName> = z.output<(typeof shellMethods)[M]['input']>

/** One invoke function over IPC, validating like core.invoke and never throwing. */
export function createShellHandlers(
  options: ShellHandlerOptions,
): (method: unknown, payload: unknown) => Promise<CallResult<unknown>> {
  const { platform } = options
  const memory: ShellMemory = options.memory ?? { lastSaveDir: null, lastOpenDir: {} }
  const changed = () => options.onMemoryChange?.(memory)

  const handlers: Handlers = {
    'shell.openPath': async ({ purpose }: { purpose: OpenPurpose }) => {
      const last = memory.lastOpenDir[purpose]
      const path = await platform.showOpenDialog({ ...OPEN_DIALOGS[purpose], ...(last ? { defaultPath: last } : {}) })
      if (path) {
        memory.lastOpenDir[purpose] = dirname(path)
        changed()
      }
      return { path }
    },
    'shell.saveFile': async ({ suggestedName, kind, data }: { suggestedName: string; kind: SaveKind; data: Uint8Array }) => {
      const folder = memory.lastSaveDir ?? options.defaultSaveDir
      const path = await platform.showSaveDialog({
        title: `Save ${suggestedName}`,
        defaultPath: join(folder, suggestedName),
        filters: [SAVE_FILTERS[kind]],
      })
      if (!path) return { path: null }
      await mkdir(dirname(path), { recursive: true })
      await writeFile(path, data)
      memory.lastSaveDir = dirname(path)
      changed()
      platform.announceSaved(path)
      return { path }
    },
    'shell.reveal': ({ path }: { path: string }) => {
      if (!isAbsolute(path)) return Promise.reject(new ContractError('invalid_input', `${path}: an absolute path is required`))
      platform.showItemInFolder(path)
      return Promise.resolve({ ok: true as const })
    },
    'shell.openDataFolder': async () => {
      await platform.openPath(options.dataDir)
      return { ok: true as const }
    },
    'shell.writeReport': async (request: ShellInputOf<'shell.writeReport'>) => {
      const report = options.report
      if (!report) throw new ContractError('unavailable', 'this shell cannot write reports')
      const parent = await report.showFolderDialog({
        title: 'Choose where to write the report',
        defaultPath: memory.lastSaveDir ?? options.defaultSaveDir,
      })
      if (!parent) return { folder: null, pdf: null, omitted: [] }
      // A new folder inside the one chosen, so a report never mixes with what is already there.
      const out = join(parent, reportFolderName(parent, new Date()))
      const written = await report.write({ ...request, out, bundle: join(out, 'figures.zip') })
      const pdf = join(out, 'report.pdf')
      const bytes = await report.printToPdf(written.html)
      await writeFile(pdf, bytes).catch((error: unknown) => {
        throw diskError(pdf, error)
      })
      memory.lastSaveDir = parent
      changed()
      platform.announceSaved(written.html)
      return { folder: out, pdf, omitted: written.omitted }
    },
  }

  return async (method, payload) => {
    if (typeof method !== 'string' || !isShellMethodName(method)) {
      return { ok: false, error: { code: 'unknown_method', message: `unknown shell method ${String(method)}` } }
    }
    const parsed = shellMethods[method].input.safeParse(payload ?? {})
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'invalid_input', message: `invalid input for ${method}`, issues: issuesOf(parsed.error) },
      }
    }
    try {
      const handler = handlers[method] as (input: unknown) => Promise<unknown>
      return { ok: true, value: await handler(parsed.data) }
    } catch (error) {
      if (error instanceof ContractError) return { ok: false, error: error.toJSON() }
      return { ok: false, error: { code: 'failed', message: error instanceof Error ? error.message : String(error) } }
    }
  }
}

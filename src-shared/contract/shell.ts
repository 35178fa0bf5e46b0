import { z } from 'zod'
import { method, type CallResult } from './define'
import { ReportOmission, ReportOptions } from '../report/schema'

// The desktop shell's own capabilities: native dialogs, "Show in folder", the application menu. They
// are not core calls (the core runs headless under the CLI and browser mode too); the Electron main
// process serves them (src-main/electron/shell-handlers.ts) and the preload exposes them beside the
// core bridge. In browser mode they are absent and the renderer degrades to file inputs and downloads.

/** What a path field asks for: decides the dialog's filters and whether folders or files are picked. */
export const OpenPurpose = z.enum(['dataset-archive', 'dataset-folder', 'base-model-folder', 'base-model-file', 'bundle'])
export type OpenPurpose = z.infer<typeof OpenPurpose>

/** What an export writes: decides the save dialog's filter. */
export const SaveKind = z.enum(['png', 'svg', 'html', 'csv', 'json'])
export type SaveKind = z.infer<typeof SaveKind>

/** A file name without folders (the dialog picks the folder). */
const FileName = z
  .string()
  .min(1)
  .max(255)
  .refine((n) => !/[\\/]/.test(n) && n !== '.' && n !== '..', 'a file name, not a path')

const Done = z.object({ ok: z.literal(true) })

export const shellMethods = {
  'shell.openPath': method(
    z.object({ purpose: OpenPurpose }).strict(),
    z.object({ path: z.string().nullable() }),
    'Native open dialog for a path field; path null when the user cancelled.',
  ),
  'shell.saveFile': method(
    z.object({ suggestedName: FileName, kind: SaveKind, data: z.instanceof(Uint8Array) }).strict(),
    z.object({ path: z.string().nullable() }),
    'Native save dialog in the last folder used, then writes the bytes; path null when cancelled.',
  ),
  'shell.reveal': method(
    z.object({ path: z.string().min(1) }).strict(),
    Done,
    'Shows a file or folder in the system file manager.',
  ),
  'shell.openDataFolder': method(z.object({}).strict(), Done, 'Opens the data directory in the file manager.'),
  'shell.writeReport': method(
    ReportOptions.strict(),
    z.object({
      /** The report's new folder inside the one chosen; null when the user cancelled. */
      folder: z.string().nullable(),
      pdf: z.string().nullable(),
      omitted: z.array(ReportOmission),
    }),
    'Native folder dialog, then the core writes the report (HTML, Markdown, figures, bundle zip) into a new folder there and the shell prints the HTML to report.pdf.',
  ),
} as const

export type ShellMethods = typeof shellMethods
export type ShellMethodName = keyof ShellMethods
export type ShellInput<M extends ShellMethodName> = z.input<ShellMethods[M]['input']>
export type ShellOutput<M extends ShellMethodName> = z.output<ShellMethods[M]['output']>

export function isShellMethodName(name: string): name is ShellMethodName {
  return Object.prototype.hasOwnProperty.call(shellMethods, name)
}

/** Application-menu items the renderer acts on (the rest are Electron roles handled natively). */
export const MenuAction = z.enum(['import-dataset', 'import-base-model', 'import-bundle', 'export', 'doctor'])
export type MenuAction = z.infer<typeof MenuAction>

/** What the preload exposes as `window.workbench.desktop` (Electron only). */
export interface DesktopBridge {
  invoke(method: string, payload: unknown): Promise<CallResult<unknown>>
  /** Menu items that need the renderer (navigate, open a dialog); returns an unsubscribe. */
  onMenu(listener: (action: MenuAction) => void): () => void
  /** The absolute path of a dropped File (Electron's webUtils; browsers do not reveal it). */
  pathForFile(file: File): string
}

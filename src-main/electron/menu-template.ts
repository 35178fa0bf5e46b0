// The application menu as data: Electron roles for what the OS does natively (edit, zoom, window),
// named actions for what the workbench does. main.ts turns `action` into click handlers. macOS gets
// the app menu first (About, Hide, Quit) and Window's "Front"; elsewhere Quit sits in File.
import type { MenuAction } from '@shared/contract'

/** Actions the main process handles itself; the rest (MenuAction) are sent to the renderer. */
export type MainAction = 'open-readme' | 'open-data-folder'
export type MenuItemAction = MenuAction | MainAction

/** The subset of Electron's MenuItemConstructorOptions used here (structurally compatible). */
export interface MenuItemSpec {
  label?: string
  role?: string
  type?: 'separator' | 'submenu'
  accelerator?: string
  action?: MenuItemAction
  submenu?: MenuItemSpec[]
}

const separator: MenuItemSpec = { type: 'separator' }

export function buildMenuTemplate(platform: NodeJS.Platform, appName = 'CIFAR Workbench'): MenuItemSpec[] {
  const mac = platform === 'darwin'
  const file: MenuItemSpec = {
    label: 'File',
    submenu: [
      { label: 'Import Dataset…', accelerator: 'CmdOrCtrl+O', action: 'import-dataset' },
      { label: 'Import Base Model…', accelerator: 'CmdOrCtrl+Shift+O', action: 'import-base-model' },
      { label: 'Import Run Bundle…', accelerator: 'CmdOrCtrl+Alt+O', action: 'import-bundle' },
      separator,
      { label: 'Export…', accelerator: 'CmdOrCtrl+E', action: 'export' },
      separator,
      mac ? { role: 'close' } : { role: 'quit' },
    ],
  }
  const edit: MenuItemSpec = {
    label: 'Edit',
    submenu: [
      { role: 'undo' },
      { role: 'redo' },
      separator,
      { role: 'cut' },
      { role: 'copy' },
      { role: 'paste' },
      ...(mac ? [{ role: 'pasteAndMatchStyle' }, { role: 'delete' }] : [{ role: 'delete' }, separator]),
      { role: 'selectAll' },
    ],
  }
  const view: MenuItemSpec = {
    label: 'View',
    submenu: [
      { role: 'reload' },
      { role: 'forceReload' },
      { role: 'toggleDevTools' },
      separator,
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
    ],
  }
  const window: MenuItemSpec = {
    label: 'Window',
    role: 'windowMenu',
    submenu: mac
      ? [{ role: 'minimize' }, { role: 'zoom' }, separator, { role: 'front' }]
      : [{ role: 'minimize' }, { role: 'close' }],
  }
  const help: MenuItemSpec = {
    label: 'Help',
    role: 'help',
    submenu: [
      { label: 'README', action: 'open-readme' },
      { label: 'Doctor (Backends and System)', action: 'doctor' },
      { label: 'Open Data Folder', action: 'open-data-folder' },
    ],
  }
  const appMenu: MenuItemSpec = {
    label: appName,
    submenu: [
      { role: 'about' },
      separator,
      { role: 'services' },
      separator,
      { role: 'hide' },
      { role: 'hideOthers' },
      { role: 'unhide' },
      separator,
      { role: 'quit' },
    ],
  }
  return [...(mac ? [appMenu] : []), file, edit, view, window, help]
}

/** Every action in a template, depth first (the glue checks each has a handler). */
export function menuActions(template: MenuItemSpec[]): MenuItemAction[] {
  return template.flatMap((item) => [...(item.action ? [item.action] : []), ...menuActions(item.submenu ?? [])])
}

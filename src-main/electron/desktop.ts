// Electron glue for the desktop capabilities: each piece of logic lives in a plain module
// (shell-handlers, menu-template, training-indicator, window-state) and is only wired up here.
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  Notification,
  screen,
  session,
  shell,
  type MenuItemConstructorOptions,
} from 'electron'
import { basename, dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { MenuAction } from '@shared/contract'
import { IPC_SHELL_INVOKE, IPC_SHELL_MENU } from '@shared/transport/bridge'
import type { Core } from '../core/core'
import { isTrustedFrame } from './ipc'
import { buildMenuTemplate, type MenuItemSpec } from './menu-template'
import { createShellHandlers } from './shell-handlers'
import { TrainingIndicator } from './training-indicator'
import { desktopStateFile, readDesktopState, restoreBounds, writeDesktopState } from './window-state'

export interface DesktopShell {
  /** Bounds the main window should open with. */
  initialBounds(): ReturnType<typeof restoreBounds> & { maximized: boolean }
  /** Starts keeping the window's bounds and drives its progress bar. */
  attachWindow(window: BrowserWindow): void
  /** Asks before quitting while a run trains; true when the quit may go on. */
  confirmQuit(): boolean
  dispose(): void
}

/**
 * The report's HTML printed to PDF in a hidden window of its own session: the app's session only
 * lets the app itself load, and this one only the report file (which needs nothing else) and its
 * data: images, with scripts off.
 */
async function printToPdf(htmlFile: string): Promise<Uint8Array> {
  const url = pathToFileURL(htmlFile).href
  const printing = session.fromPartition('report-print')
  printing.webRequest.onBeforeRequest((details, callback) =>
    callback({ cancel: !(details.url === url || details.url.startsWith('data:')) }),
  )
  const window = new BrowserWindow({
    show: false,
    webPreferences: { session: printing, javascript: false, sandbox: true, contextIsolation: true, nodeIntegration: false },
  })
  try {
    await window.loadURL(url)
    return await window.webContents.printToPDF({ printBackground: true, pageSize: 'A4' })
  } finally {
    window.destroy()
  }
}

export function setupDesktopShell(core: Core, dataDir: string, isAppUrl: (url: string) => boolean): DesktopShell {
  const stateFile = desktopStateFile(dataDir)
  const state = readDesktopState(stateFile)
  const save = () => writeDesktopState(stateFile, state)
  const focused = () => BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0] ?? null

  const invoke = createShellHandlers({
    dataDir,
    report: {
      write: (request) => core.call('report.write', request),
      async showFolderDialog(spec) {
        const window = focused()
        const options = { ...spec, properties: ['openDirectory' as const, 'createDirectory' as const] }
        const result = window ? await dialog.showOpenDialog(window, options) : await dialog.showOpenDialog(options)
        return result.canceled ? null : (result.filePaths[0] ?? null)
      },
      printToPdf,
    },
    defaultSaveDir: app.getPath('downloads'),
    memory: { lastSaveDir: state.lastSaveDir, lastOpenDir: state.lastOpenDir },
    onMemoryChange: (memory) => {
      Object.assign(state, memory)
      save()
    },
    platform: {
      async showOpenDialog(spec) {
        const window = focused()
        const result = window ? await dialog.showOpenDialog(window, spec) : await dialog.showOpenDialog(spec)
        return result.canceled ? null : (result.filePaths[0] ?? null)
      },
      async showSaveDialog(spec) {
        const window = focused()
        const result = window ? await dialog.showSaveDialog(window, spec) : await dialog.showSaveDialog(spec)
        return result.canceled ? null : (result.filePath ?? null)
      },
      showItemInFolder: (path) => shell.showItemInFolder(path),
      async openPath(path) {
        const error = await shell.openPath(path)
        if (error) throw new Error(error)
      },
      announceSaved(path) {
        if (!Notification.isSupported()) return
        const note = new Notification({
          title: `Saved ${basename(path)}`,
          body: `${dirname(path)}. Click to show it in its folder.`,
        })
        note.on('click', () => shell.showItemInFolder(path))
        note.show()
      },
    },
  })
  ipcMain.handle(IPC_SHELL_INVOKE, (event, method: unknown, payload: unknown) => {
    if (!isTrustedFrame(event.senderFrame, isAppUrl)) {
      return { ok: false, error: { code: 'unauthorized', message: 'calls are only accepted from the workbench window' } }
    }
    return invoke(method, payload)
  })

  const toElectron = (items: MenuItemSpec[]): MenuItemConstructorOptions[] =>
    items.map(({ action, submenu, role, ...rest }) => ({
      ...rest,
      ...(role ? { role: role as MenuItemConstructorOptions['role'] } : {}),
      ...(submenu ? { submenu: toElectron(submenu) } : {}),
      ...(action ? { click: () => runAction(action) } : {}),
    }))
  const runAction = (action: string) => {
    if (action === 'open-readme') void shell.openPath(join(app.getAppPath(), 'README.md'))
    else if (action === 'open-data-folder') void shell.openPath(dataDir)
    else if (MenuAction.safeParse(action).success) focused()?.webContents.send(IPC_SHELL_MENU, action)
  }
  Menu.setApplicationMenu(Menu.buildFromTemplate(toElectron(buildMenuTemplate(process.platform, app.getName()))))

  let quitConfirmed = false
  const indicator = new TrainingIndicator()
  const unsubscribe = core.events.subscribe((message) => {
    if (message.event !== 'run.progress') return
    const update = indicator.update(message.payload)
    if (message.payload.type === 'status' && message.payload.status === 'running') {
      void core.invoke('runs.get', { id: message.payload.runId }).then((r) => {
        if (r.ok) indicator.describe(message.payload.runId, (r.value as { name: string }).name, null)
      })
    }
    if (!update) return
    for (const window of BrowserWindow.getAllWindows()) window.setProgressBar(update.progress)
    if (update.notification && Notification.isSupported()) new Notification(update.notification).show()
  })

  return {
    initialBounds: () => ({
      ...restoreBounds(
        state.window,
        screen.getAllDisplays().map((d) => d.workArea),
      ),
      maximized: state.window?.maximized ?? false,
    }),
    attachWindow(window) {
      const keep = () => {
        if (window.isDestroyed() || window.isMinimized()) return
        const bounds = window.isMaximized() ? (state.window ?? window.getBounds()) : window.getBounds()
        state.window = { ...bounds, maximized: window.isMaximized() }
        save()
      }
      window.on('resized', keep)
      window.on('moved', keep)
      window.on('maximize', keep)
      window.on('unmaximize', keep)
      window.on('close', (event) => {
        keep()
        // Closing the last window quits on Windows and Linux: ask there, before the window is gone.
        if (process.platform !== 'darwin' && BrowserWindow.getAllWindows().length === 1 && !this.confirmQuit())
          event.preventDefault()
      })
    },
    confirmQuit() {
      if (quitConfirmed || indicator.active().length === 0) return true
      const choice = dialog.showMessageBoxSync({
        type: 'question',
        buttons: ['Stop and Quit', 'Keep Training'],
        defaultId: 1,
        cancelId: 1,
        message: 'A run is still training.',
        detail: 'Quitting stops it after saving its last finished epoch; resume it from History on the next start.',
      })
      quitConfirmed = choice === 0
      return quitConfirmed
    },
    dispose() {
      unsubscribe()
      ipcMain.removeHandler(IPC_SHELL_INVOKE)
    },
  }
}

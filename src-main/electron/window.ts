import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { BrowserWindow } from 'electron'
import { MIN_SIZE } from './window-state'

export interface WindowOptions {
  preload: string
  /** app://workbench/index.html, or the dev server URL. */
  entry: string
  icon: string
  /** Kept from the last session (window-state.ts); no x/y lets the OS centre it. */
  bounds: { x?: number; y?: number; width: number; height: number; maximized: boolean }
}

/** The workbench window with every webPreference on its safe setting (they are defaults; stated anyway). */
export function createMainWindow(options: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    ...(options.bounds.x !== undefined && options.bounds.y !== undefined ? { x: options.bounds.x, y: options.bounds.y } : {}),
    width: options.bounds.width,
    height: options.bounds.height,
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    show: false,
    title: 'CIFAR Workbench',
    ...(existsSync(options.icon) ? { icon: options.icon } : {}),
    webPreferences: {
      preload: options.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  })
  window.once('ready-to-show', () => {
    if (options.bounds.maximized) window.maximize()
    window.show()
  })
  void window.loadURL(options.entry)
  return window
}

export function preloadPath(mainDir: string): string {
  return join(mainDir, '..', 'preload', 'index.cjs')
}

// The desktop shell: the only code that imports Electron. It owns the window and hands the renderer
// the core (the same one the CLI and browser mode use) over a sender-checked IPC bridge.
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { app, BrowserWindow, dialog, session } from 'electron'
import { createCore } from '../core/compose'
import type { Core } from '../core/core'
import { resolveDataDir } from '../core/data-dir'
import { contentSecurityPolicy } from './csp'
import { connectCoreToIpc } from './ipc'
import { APP_ENTRY, createOriginCheck } from './origin'
import { registerAppScheme, serveRenderer } from './protocol'
import { hardenApp } from './security'
import { createMainWindow, preloadPath } from './window'
import { setupDesktopShell, type DesktopShell } from './desktop'
import { instanceUserData } from './instance'
import { enableWebGpuSwitches, gpuEngineHost, GpuEngineError, startGpuEngine } from './gpu-engine'

const mainDir = dirname(fileURLToPath(import.meta.url))
const rendererDir = join(mainDir, '..', 'renderer')
const devServerUrl = process.env.ELECTRON_RENDERER_URL ?? null
const devServer = devServerUrl && !app.isPackaged ? new URL(devServerUrl) : null
const isAppUrl = createOriginCheck(devServer)
const csp = contentSecurityPolicy(devServer)

let core: Core | null = null
let desktop: DesktopShell | null = null
let disconnectIpc: (() => void) | null = null
let gpuHost: ReturnType<typeof gpuEngineHost> | null = null

// Resolved before the single-instance lock, which is keyed by userData: one instance per data directory.
const dataDir = resolveDataDir({
  flag: app.commandLine.getSwitchValue('data-dir') || null,
  shellDefault: app.getPath('userData'),
})
app.setPath('userData', instanceUserData(app.getPath('userData'), dataDir))

function createWindow(): void {
  const window = createMainWindow({
    preload: preloadPath(mainDir),
    entry: devServer ? devServer.href : APP_ENTRY,
    icon: join(app.getAppPath(), 'resources', 'icon.png'),
    bounds: desktop!.initialBounds(),
  })
  desktop!.attachWindow(window)
}

/** app://workbench/gpu-engine/index.html, or the dev server's copy. */
const gpuEngineEntry = (): string => new URL('gpu-engine/index.html', devServer ? devServer.href : APP_ENTRY).href

/**
 * `--gpu-engine-check`: starts the hidden GPU engine window, prints its WebGPU adapter (or why there
 * is none) as one JSON line and quits; the desktop counterpart of doctor's webgpu line.
 */
async function checkGpuEngine(): Promise<void> {
  serveRenderer(rendererDir, csp)
  hardenApp(session.defaultSession, { isAppUrl, csp, devServer })
  try {
    const engine = await startGpuEngine({ mainDir, entry: gpuEngineEntry() })
    console.log(JSON.stringify({ adapter: engine.adapter }))
    engine.close()
    app.exit(0)
  } catch (error) {
    const kind = error instanceof GpuEngineError ? error.kind : 'failed'
    console.log(JSON.stringify({ adapter: null, kind, reason: error instanceof Error ? error.message : String(error) }))
    app.exit(1)
  }
}

async function start(): Promise<void> {
  if (app.commandLine.hasSwitch('gpu-engine-check')) return checkGpuEngine()
  serveRenderer(rendererDir, csp)
  hardenApp(session.defaultSession, { isAppUrl, csp, devServer })
  // Runs borrow the hidden WebGPU window, started when the first one (or the doctor report) needs it.
  gpuHost = gpuEngineHost({ mainDir, entry: gpuEngineEntry() })
  core = await createCore({
    dataDir,
    shell: 'electron',
    backend: app.commandLine.getSwitchValue('backend') || null,
    electronVersion: process.versions.electron ?? null,
    gpuHost,
  })
  disconnectIpc = connectCoreToIpc(core, isAppUrl)
  desktop = setupDesktopShell(core, dataDir, isAppUrl)
  createWindow()
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow()
  })
}

if (!app.requestSingleInstanceLock()) {
  // A second instance would open the same SQLite history; focus the first one instead.
  app.quit()
} else {
  app.enableSandbox()
  // Process-wide and only before ready: the GPU engine window's WebGPU (see ./gpu-engine).
  enableWebGpuSwitches()
  registerAppScheme()
  app.on('second-instance', () => {
    const [window] = BrowserWindow.getAllWindows()
    if (window) {
      if (window.isMinimized()) window.restore()
      window.focus()
    }
  })
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit()
  })
  let closed = false
  // Quitting while a run trains asks first; the run stops at its last checkpoint and can be resumed.
  app.on('before-quit', (event) => {
    if (desktop && !closed && !desktop.confirmQuit()) event.preventDefault()
  })
  app.on('will-quit', (event) => {
    if (closed || !core) return
    // Finish the core (training worker, SQLite) before the process goes away.
    event.preventDefault()
    closed = true
    disconnectIpc?.()
    desktop?.dispose()
    void core.close().finally(() => {
      gpuHost?.close()
      app.quit()
    })
  })
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      // Typically the run database cannot open (e.g. better-sqlite3 lacks its Electron build).
      const message = error instanceof Error ? error.message : String(error)
      console.error('CIFAR Workbench failed to start:', error)
      dialog.showErrorBox(
        'CIFAR Workbench could not start',
        `${message}\n\nBrowser mode (npm run serve) runs the same workbench without Electron.`,
      )
      app.exit(1)
    })
}

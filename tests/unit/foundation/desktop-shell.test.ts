import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { MenuAction, shellMethods, type RunProgressEvent } from '@shared/contract'
import { instanceKey, instanceUserData } from '../../../src-main/electron/instance'
import { buildMenuTemplate, menuActions, type MenuItemSpec } from '../../../src-main/electron/menu-template'
import {
  createShellHandlers,
  OPEN_DIALOGS,
  type OpenDialogSpec,
  type SaveDialogSpec,
  type ShellMemory,
} from '../../../src-main/electron/shell-handlers'
import { CLEAR, INDETERMINATE, TrainingIndicator } from '../../../src-main/electron/training-indicator'
import { DEFAULT_BOUNDS, readDesktopState, restoreBounds, writeDesktopState } from '../../../src-main/electron/window-state'

const root = mkdtempSync(join(tmpdir(), 'cw-desktop-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** The desktop side of the port: answers dialogs from a queue and records what was asked. */
function platform(answers: Array<string | null>) {
  const asked: Array<OpenDialogSpec | SaveDialogSpec> = []
  const revealed: string[] = []
  const opened: string[] = []
  const announced: string[] = []
  return {
    asked,
    revealed,
    opened,
    announced,
    port: {
      announceSaved: (path: string) => void announced.push(path),
      showOpenDialog: (spec: OpenDialogSpec) => (asked.push(spec), Promise.resolve(answers.shift() ?? null)),
      showSaveDialog: (spec: SaveDialogSpec) => (asked.push(spec), Promise.resolve(answers.shift() ?? null)),
      showItemInFolder: (path: string) => void revealed.push(path),
      openPath: (path: string) => (opened.push(path), Promise.resolve()),
    },
  }
}

describe('shell capabilities (dialogs, save, reveal) against the contract', () => {
  it('each path field gets its dialog; the folder picked is where the next one of that kind opens', async () => {
    const p = platform(['/data/cifar-10-binary.tar.gz', '/models/mobilenet', null])
    const invoke = createShellHandlers({ platform: p.port, dataDir: root, defaultSaveDir: root })
    expect(await invoke('shell.openPath', { purpose: 'dataset-archive' })).toEqual({
      ok: true,
      value: { path: '/data/cifar-10-binary.tar.gz' },
    })
    expect(p.asked[0]).toEqual({ ...OPEN_DIALOGS['dataset-archive'] })
    expect(p.asked[0]).toMatchObject({ properties: ['openFile'], filters: [{ extensions: ['gz', 'tgz', 'tar', 'zip'] }] })
    expect(await invoke('shell.openPath', { purpose: 'base-model-folder' })).toEqual({
      ok: true,
      value: { path: '/models/mobilenet' },
    })
    expect(p.asked[1]).toMatchObject({ properties: ['openDirectory'] })
    expect(await invoke('shell.openPath', { purpose: 'dataset-archive' })).toEqual({ ok: true, value: { path: null } })
    expect(p.asked[2]).toMatchObject({ defaultPath: '/data' })
  })

  it('save writes the exact bytes where the user chose, remembers that folder and reports it for persisting', async () => {
    const first = join(root, 'exports', 'figure.png')
    const p = platform([first, null, join(root, 'exports', 'metrics.csv')])
    const saved: ShellMemory[] = []
    const invoke = createShellHandlers({
      platform: p.port,
      dataDir: root,
      defaultSaveDir: '/home/me/Downloads',
      onMemoryChange: (m) => saved.push(structuredClone(m)),
    })
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255])
    expect(await invoke('shell.saveFile', { suggestedName: 'figure.png', kind: 'png', data: png })).toEqual({
      ok: true,
      value: { path: first },
    })
    expect(p.asked[0]).toEqual({
      title: 'Save figure.png',
      defaultPath: '/home/me/Downloads/figure.png',
      filters: [{ name: 'PNG image', extensions: ['png'] }],
    })
    expect([...readFileSync(first)]).toEqual([...png])
    expect(p.announced).toEqual([first])
    expect(saved.at(-1)?.lastSaveDir).toBe(join(root, 'exports'))

    expect(await invoke('shell.saveFile', { suggestedName: 'report.html', kind: 'html', data: new Uint8Array([1]) })).toEqual({
      ok: true,
      value: { path: null },
    })
    expect(p.asked[1]).toMatchObject({ defaultPath: join(root, 'exports', 'report.html') })
    await invoke('shell.saveFile', { suggestedName: 'metrics.csv', kind: 'csv', data: new TextEncoder().encode('a,b\n') })
    expect(readFileSync(join(root, 'exports', 'metrics.csv'), 'utf8')).toBe('a,b\n')
    expect(p.announced).toEqual([first, join(root, 'exports', 'metrics.csv')])
  })

  it('refuses bad input like core.invoke: unknown method, a path as a file name, a relative reveal', async () => {
    const p = platform([])
    const invoke = createShellHandlers({ platform: p.port, dataDir: root, defaultSaveDir: root })
    expect(await invoke('shell.format', {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } })
    expect(await invoke(42, {})).toMatchObject({ ok: false, error: { code: 'unknown_method' } })
    const escape = await invoke('shell.saveFile', { suggestedName: '../../etc/passwd', kind: 'csv', data: new Uint8Array() })
    expect(escape).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', issues: [{ path: 'suggestedName', message: 'a file name, not a path' }] },
    })
    expect(await invoke('shell.openPath', { purpose: 'anything' })).toMatchObject({ ok: false, error: { code: 'invalid_input' } })
    expect(await invoke('shell.reveal', { path: 'runs/x' })).toEqual({
      ok: false,
      error: { code: 'invalid_input', message: 'runs/x: an absolute path is required' },
    })
    expect(p.asked).toEqual([])
    expect(await invoke('shell.reveal', { path: join(root, 'exports') })).toEqual({ ok: true, value: { ok: true } })
    expect(await invoke('shell.openDataFolder', {})).toEqual({ ok: true, value: { ok: true } })
    expect(p.revealed).toEqual([join(root, 'exports')])
    expect(p.opened).toEqual([root])
    expect(Object.keys(shellMethods).sort()).toEqual([
      'shell.openDataFolder',
      'shell.openPath',
      'shell.reveal',
      'shell.saveFile',
      'shell.writeReport',
    ])
  })
})

const labels = (items: MenuItemSpec[]) => items.map((i) => i.label ?? i.role ?? i.type)
const find = (items: MenuItemSpec[], label: string) => items.find((i) => i.label === label)!.submenu!

describe('application menu', () => {
  it('Linux/Windows: File (imports, export, quit), Edit, View (zoom, reload), Window, Help', () => {
    const menu = buildMenuTemplate('linux')
    expect(labels(menu)).toEqual(['File', 'Edit', 'View', 'Window', 'Help'])
    const file = find(menu, 'File')
    expect(file.filter((i) => i.action).map((i) => [i.action, i.accelerator])).toEqual([
      ['import-dataset', 'CmdOrCtrl+O'],
      ['import-base-model', 'CmdOrCtrl+Shift+O'],
      ['import-bundle', 'CmdOrCtrl+Alt+O'],
      ['export', 'CmdOrCtrl+E'],
    ])
    expect(file.at(-1)).toEqual({ role: 'quit' })
    expect(
      find(menu, 'View')
        .map((i) => i.role)
        .filter(Boolean),
    ).toEqual(expect.arrayContaining(['reload', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen']))
    expect(find(menu, 'Edit').map((i) => i.role)).toEqual(
      expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll']),
    )
    expect(find(menu, 'Help').map((i) => i.action)).toEqual(['open-readme', 'doctor', 'open-data-folder'])
  })

  it('macOS: the app menu comes first with About/Hide/Quit, File closes the window, Window has Front', () => {
    const menu = buildMenuTemplate('darwin', 'CIFAR Workbench')
    expect(labels(menu)).toEqual(['CIFAR Workbench', 'File', 'Edit', 'View', 'Window', 'Help'])
    expect(menu[0]!.submenu!.map((i) => i.role).filter(Boolean)).toEqual([
      'about',
      'services',
      'hide',
      'hideOthers',
      'unhide',
      'quit',
    ])
    expect(find(menu, 'File').at(-1)).toEqual({ role: 'close' })
    expect(find(menu, 'Window').map((i) => i.role)).toContain('front')
    expect(find(menu, 'Edit').map((i) => i.role)).toContain('pasteAndMatchStyle')
  })

  it('every action is either sent to the renderer (MenuAction) or handled by the main process', () => {
    for (const platform of ['linux', 'darwin', 'win32'] as const) {
      for (const action of menuActions(buildMenuTemplate(platform))) {
        expect(MenuAction.safeParse(action).success || action === 'open-readme' || action === 'open-data-folder', action).toBe(
          true,
        )
      }
    }
    expect(new Set(menuActions(buildMenuTemplate('linux')))).toEqual(
      new Set([...MenuAction.options, 'open-readme', 'open-data-folder']),
    )
  })
})

const status = (
  runId: string,
  s: 'running' | 'completed' | 'failed' | 'cancelled',
  message: string | null = null,
): RunProgressEvent => ({
  type: 'status',
  runId,
  status: s,
  message,
})
const batch = (runId: string, epoch: number, b: number, of: number): RunProgressEvent => ({
  type: 'batch',
  runId,
  phase: 'train',
  epoch,
  step: b,
  batch: b,
  batchesPerEpoch: of,
  loss: 1,
  accuracy: 0.5,
  learningRate: 1e-3,
  imagesPerSecond: 100,
  etaSeconds: null,
  tensors: 10,
  memoryBytes: 1,
  backend: 'cpu',
})
const epoch = (runId: string, n: number, total: number, valAccuracy: number): RunProgressEvent => ({
  type: 'epoch',
  runId,
  totalEpochs: total,
  etaSeconds: null,
  tensors: 1,
  memoryBytes: 1,
  metric: {
    phase: 'train',
    epoch: n,
    loss: 1,
    accuracy: 0.6,
    valLoss: 1,
    valAccuracy,
    learningRate: 1e-3,
    durationMs: 10,
    imagesPerSecond: 100,
  },
})

describe('taskbar/dock progress and notifications from training events', () => {
  it('indeterminate until the plan is known, then epochs plus the current epoch, cleared with a notification at the end', () => {
    const indicator = new TrainingIndicator()
    expect(indicator.update(status('r1', 'running'))).toEqual({ progress: INDETERMINATE, notification: null })
    expect(indicator.update(batch('r1', 1, 5, 10))!.progress).toBe(INDETERMINATE)
    indicator.describe('r1', 'seed-cnn · seed 3', null)
    expect(indicator.update(epoch('r1', 1, 4, 0.4))).toEqual({ progress: 0.25, notification: null })
    expect(indicator.update(batch('r1', 2, 5, 10))!.progress).toBeCloseTo(0.375)
    expect(indicator.active()).toEqual(['r1'])
    indicator.update(epoch('r1', 4, 4, 0.712))
    expect(indicator.update(status('r1', 'completed'))).toEqual({
      progress: CLEAR,
      notification: { title: 'seed-cnn · seed 3 finished', body: 'Completed after 4 of 4 epochs; accuracy 71.2%.' },
    })
    expect(indicator.active()).toEqual([])
  })

  it('failed and cancelled runs say so; a cancelled one can be resumed', () => {
    const indicator = new TrainingIndicator((id) => `run ${id}`)
    indicator.update(status('a', 'running'))
    indicator.update(epoch('a', 2, 10, 0.3))
    expect(indicator.update(status('a', 'cancelled', 'cancelled when the app closed'))!.notification).toEqual({
      title: 'run a was cancelled',
      body: 'Cancelled after 2 of 10 epochs; accuracy 30.0%; cancelled when the app closed. It can be resumed from History.',
    })
    indicator.update(status('b', 'running'))
    expect(indicator.update(status('b', 'failed', 'out of memory'))!.notification).toEqual({
      title: 'run b failed',
      body: 'Failed after 0 of ? epochs; out of memory.',
    })
  })
})

describe('window state and single instance', () => {
  const areas = [{ x: 0, y: 0, width: 1920, height: 1080 }]

  it('keeps bounds on a display; off-screen, corrupt or missing state opens at the default size', () => {
    const file = join(root, 'state', 'desktop.json')
    expect(readDesktopState(file)).toEqual({ window: null, lastSaveDir: null, lastOpenDir: {} })
    const state = {
      window: { x: 100, y: 80, width: 1200, height: 800, maximized: false },
      lastSaveDir: '/tmp/x',
      lastOpenDir: { bundle: '/b' },
    }
    writeDesktopState(file, state)
    expect(readDesktopState(file)).toEqual(state)
    expect(restoreBounds(readDesktopState(file).window, areas)).toEqual({ x: 100, y: 80, width: 1200, height: 800 })
    // A second monitor that is gone, a window too large or too small for the display.
    expect(restoreBounds({ x: 2500, y: 100, width: 1200, height: 800, maximized: false }, areas)).toEqual(DEFAULT_BOUNDS)
    expect(restoreBounds({ x: 0, y: 0, width: 5000, height: 300, maximized: true }, areas)).toEqual({
      x: 0,
      y: 0,
      width: 1920,
      height: 640,
    })
    writeFileSync(file, '{"window": {"x": "left"}}')
    expect(readDesktopState(file).window).toBeNull()
    writeFileSync(file, 'not json')
    expect(readDesktopState(file).window).toBeNull()
  })

  it('one instance per data directory: the same folder spelt differently shares a key, the default keeps Electron’s userData', () => {
    expect(instanceKey('/home/me/wb')).toBe(instanceKey('/home/me/./wb/'))
    expect(instanceKey('/home/me/wb')).not.toBe(instanceKey('/home/me/wb2'))
    expect(instanceKey('C:\\Users\\Me\\WB', 'win32')).toBe(instanceKey('c:\\users\\me\\wb', 'win32'))
    expect(instanceUserData('/home/me/.config/cifar-workbench', '/home/me/.config/cifar-workbench/')).toBe(
      '/home/me/.config/cifar-workbench',
    )
    expect(instanceUserData('/home/me/.config/cifar-workbench', '/data/wb')).toBe(
      join('/home/me/.config/cifar-workbench', 'instances', instanceKey('/data/wb')),
    )
  })
})

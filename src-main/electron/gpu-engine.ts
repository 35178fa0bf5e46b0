// The desktop app's WebGPU: Electron refuses Dawn's Node bindings (the external buffers it maps break
// V8's memory cage), so webgpu runs train in a hidden window on Chromium's own WebGPU
// (src-renderer/gpu-engine). The main process keeps runs, the store and files; it sends each job over a
// MessagePort and gets steps, weights and faults back (src-shared/contract/gpu-engine.ts), parsed here.
// Thin by design: it cannot run outside Electron, and the page it drives is tested in Chromium
// (tests/e2e/gpu-engine-page.test.ts).
import { join } from 'node:path'
import { app, BrowserWindow, MessageChannelMain } from 'electron'
import { GpuEngineEvent, type GpuTrainJob, type GpuEngineRequest } from '@shared/contract/gpu-engine'
import type { GpuEngineLink, GpuHost } from '../engine/backend/gpu-host'
import { GPU_ENGINE_PORT_CHANNEL } from '@shared/transport/gpu-engine-channel'

/**
 * Chromium's WebGPU switches; must run before the app is ready. Linux ships WebGPU behind them
 * (Vulkan is off by default there); elsewhere WebGPU is on already and only the first is harmless.
 */
export function enableWebGpuSwitches(platform: NodeJS.Platform = process.platform): void {
  app.commandLine.appendSwitch('enable-unsafe-webgpu')
  if (platform === 'linux') app.commandLine.appendSwitch('enable-features', 'Vulkan')
}

/** The final weights and losses, or how many steps ran before a cancel. */
export type GpuJobResult = Extract<GpuEngineEvent, { type: 'done' | 'cancelled' }>

/** A fault the page reported (or its window ending), with the contract's kind. */
export class GpuEngineError extends Error {
  constructor(
    readonly kind: Extract<GpuEngineEvent, { type: 'error' }>['kind'] | 'window-gone',
    message: string,
  ) {
    super(message)
  }
}

export interface GpuEngine extends GpuEngineLink {
  /** Runs one job; rejects with GpuEngineError on a fault (the caller keeps its last checkpoint). */
  train(job: GpuTrainJob, onStep?: (step: number, loss: number) => void): Promise<GpuJobResult>
  cancel(jobId: string): void
  close(): void
  /** Resolves once the window has ended (closed, crashed) or the page reported a fault outside any job. */
  ended: Promise<GpuEngineError>
}

interface Pending {
  /** The job (or hello: null) this request waits for. */
  jobId: string | null
  resolve(event: GpuEngineEvent): void
  reject(error: GpuEngineError): void
}

export interface GpuEngineOptions {
  /** The built main process folder (out/main): the page and its preload are found beside it. */
  mainDir: string
  /** app://workbench/gpu-engine/index.html, or the dev server's URL of it. */
  entry: string
  /** Only for correctness checks: a software adapter computes on the CPU. */
  allowSoftwareAdapter?: boolean
}

/** Opens the hidden window, hands it a port and waits for its adapter; rejects when it has none. */
export async function startGpuEngine(options: GpuEngineOptions): Promise<GpuEngine> {
  const window = new BrowserWindow({
    show: false,
    webPreferences: {
      preload: join(options.mainDir, '..', 'preload', 'gpu-engine.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      // A hidden window is throttled like a background tab unless told otherwise.
      backgroundThrottling: false,
    },
  })
  const { port1, port2 } = new MessageChannelMain()
  let waiting: Pending | null = null
  let onStep: ((step: number, loss: number) => void) | undefined
  let gone: GpuEngineError | null = null
  let markEnded: (error: GpuEngineError) => void = () => undefined
  const ended = new Promise<GpuEngineError>((resolve) => (markEnded = resolve))
  const listeners = new Set<(event: GpuEngineEvent) => void>()
  const deliver = (event: GpuEngineEvent): void => listeners.forEach((listener) => listener(event))

  const settle = (error: GpuEngineError): void => {
    if (!gone) {
      gone = error
      markEnded(error)
      // Sessions learn of it as the page's own faults reach them: an error outside any job.
      deliver({ type: 'error', jobId: null, kind: error.kind === 'window-gone' ? 'failed' : error.kind, message: error.message })
    }
    waiting?.reject(error)
    waiting = null
  }
  window.webContents.on('render-process-gone', (_event, details) => {
    settle(new GpuEngineError('window-gone', `the GPU engine window ended (${details.reason})`))
  })
  window.on('closed', () => settle(new GpuEngineError('window-gone', 'the GPU engine window was closed')))

  port1.on('message', ({ data }) => {
    const parsed = GpuEngineEvent.safeParse(data)
    if (!parsed.success) {
      settle(new GpuEngineError('invalid-message', `the GPU engine page sent an unreadable event: ${parsed.error.message}`))
      return
    }
    const event = parsed.data
    if (event.type === 'error' && event.jobId === null && waiting?.jobId !== null) {
      // A fault outside a job (a lost device between runs) ends this engine for every later job and session.
      settle(new GpuEngineError(event.kind, event.message))
      return
    }
    deliver(event)
    if (event.type === 'step') onStep?.(event.step, event.loss)
    else if (event.type === 'error') {
      if (waiting && (event.jobId === null || event.jobId === waiting.jobId)) {
        waiting.reject(new GpuEngineError(event.kind, event.message))
        waiting = null
      }
    } else if (event.type !== 'session-result' && waiting) {
      waiting.resolve(event)
      waiting = null
    }
  })
  port1.start()

  const request = (message: Extract<GpuEngineRequest, { type: 'hello' | 'train' }>): Promise<GpuEngineEvent> =>
    new Promise((resolve, reject) => {
      if (gone) return reject(gone)
      if (waiting) return reject(new GpuEngineError('failed', 'the GPU engine is busy with another request'))
      waiting = { jobId: message.type === 'train' ? message.jobId : null, resolve, reject }
      // MessagePortMain copies typed arrays (structured clone); only ports can be transferred.
      port1.postMessage(message)
    })

  await window.loadURL(options.entry)
  window.webContents.postMessage(GPU_ENGINE_PORT_CHANNEL, null, [port2])
  const close = (): void => {
    port1.close()
    if (!window.isDestroyed()) window.destroy()
  }
  try {
    const ready = await request({ type: 'hello', allowSoftwareAdapter: options.allowSoftwareAdapter ?? false })
    if (ready.type !== 'ready') throw new GpuEngineError('failed', `the GPU engine answered hello with ${ready.type}`)
    return {
      adapter: ready.adapter,
      async train(job, stepListener) {
        onStep = stepListener
        try {
          const event = await request(job)
          if (event.type !== 'done' && event.type !== 'cancelled') {
            throw new GpuEngineError('failed', `job ${job.jobId} ended with ${event.type}`)
          }
          return event
        } finally {
          onStep = undefined
        }
      },
      cancel(jobId) {
        port1.postMessage({ type: 'cancel', jobId } satisfies GpuEngineRequest)
      },
      send(message) {
        if (gone) deliver({ type: 'error', jobId: null, kind: 'failed', message: gone.message })
        else port1.postMessage(message)
      },
      subscribe(listener) {
        listeners.add(listener)
        return () => listeners.delete(listener)
      },
      close,
      ended,
    }
  } catch (error) {
    close()
    throw error
  }
}

/**
 * The GPU engine runs borrow (src-main/engine/backend/gpu-host.ts): the hidden window, started at the
 * first run (or doctor report) that needs it and kept; one that ended is replaced at the next.
 */
export function gpuEngineHost(options: Omit<GpuEngineOptions, 'allowSoftwareAdapter'>): GpuHost & { close(): void } {
  let engine: { started: Promise<GpuEngine>; allowSoftwareAdapter: boolean } | null = null
  const start = (allowSoftwareAdapter: boolean): Promise<GpuEngine> => {
    const current = { started: startGpuEngine({ ...options, allowSoftwareAdapter }), allowSoftwareAdapter }
    engine = current
    const forget = (): void => {
      if (engine === current) engine = null
    }
    current.started.then((started) => void started.ended.then(forget), forget)
    return current.started
  }
  return {
    async connect(allowSoftwareAdapter) {
      const started = await (engine?.started ?? start(allowSoftwareAdapter)).catch((error: unknown) => {
        // A window that refused its only adapter, a software one, is asked again once that is allowed.
        if (allowSoftwareAdapter && engine?.allowSoftwareAdapter !== true) return start(true)
        throw error
      })
      if (started.adapter.software && !allowSoftwareAdapter) {
        throw new Error(
          `the GPU engine window has only a software adapter (${started.adapter.description}): it would compute on the CPU`,
        )
      }
      return started
    },
    close() {
      void engine?.started.then(
        (started) => started.close(),
        () => undefined,
      )
      engine = null
    },
  }
}

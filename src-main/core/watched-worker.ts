import type { Worker } from 'node:worker_threads'
import { ContractError } from '@shared/contract'
import { startEngineWorker } from './engine-worker'

/** What a watched worker posts every HEARTBEAT_MS while its event loop is free. */
export const HEARTBEAT = { type: 'alive' } as const
export const HEARTBEAT_MS = 500

export interface WatchedCall<T, Reply> {
  /** Every reply but heartbeats; settle with `done` or `fail`, answer with `post`. */
  onReply(reply: Reply, done: (value: T) => void, fail: (error: Error) => void, post: (message: unknown) => void): void
  /** The error for a worker that went silent for `stallMs` (it has been terminated). */
  stalled(stallMs: number): Error
  /** The error for a worker that crashed or exited mid-call. */
  crashed(reason: string): Error
  signal?: AbortSignal | undefined
  stallMs: number
}

/**
 * One worker thread for work that may never return (decoding untrusted files): calls go to it one at
 * a time; any message resets its watchdog, and a worker silent for a call's `stallMs` (a synchronous
 * loop blocks its heartbeat) is terminated and the call fails. The worker is kept between calls, is
 * started again after a stop, and does not keep the process alive while idle.
 */
export class WatchedWorker {
  private worker: Worker | null = null
  private queue: Promise<unknown> = Promise.resolve()

  /** `source`: the worker's TypeScript entry relative to the package root; `bundled`: its built file. */
  constructor(private readonly entry: { bundled: string; source: string; label: string }) {}

  call<T, Reply extends { type: string }>(request: unknown, c: WatchedCall<T, Reply>): Promise<T> {
    const next = this.queue.then(() => this.run(request, c))
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Stops the worker (a later call starts a new one). */
  close(): void {
    void this.worker?.terminate()
    this.worker = null
  }

  private spawn(): Worker {
    const worker = startEngineWorker(this.entry.bundled, this.entry.source, null, {
      frame: { type: 'failed', code: 'internal' },
      key: 'message',
      label: this.entry.label,
    })
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null
    })
    return worker
  }

  private run<T, Reply extends { type: string }>(request: unknown, c: WatchedCall<T, Reply>): Promise<T> {
    if (c.signal?.aborted) return Promise.reject(new ContractError('cancelled', 'cancelled'))
    const worker = (this.worker ??= this.spawn())
    worker.ref()
    return new Promise<T>((resolve, reject) => {
      let settled = false
      let timer: NodeJS.Timeout | undefined
      const settle = (finish: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
        c.signal?.removeEventListener('abort', onAbort)
        worker.unref()
        finish()
      }
      const stop = () => {
        if (this.worker === worker) this.worker = null
        void worker.terminate()
      }
      const alive = () => {
        clearTimeout(timer)
        timer = setTimeout(() => {
          stop()
          settle(() => reject(c.stalled(c.stallMs)))
        }, c.stallMs)
      }
      const onMessage = (reply: Reply) => {
        alive()
        if (reply.type === HEARTBEAT.type) return
        c.onReply(
          reply,
          (value) => settle(() => resolve(value)),
          (error) => settle(() => reject(error)),
          (message) => worker.postMessage(message),
        )
      }
      const onError = (error: Error) => {
        stop()
        settle(() => reject(c.crashed(error.message)))
      }
      const onExit = (code: number) => settle(() => reject(c.crashed(`exited with code ${code}`)))
      const onAbort = () => {
        stop()
        settle(() => reject(new ContractError('cancelled', 'cancelled')))
      }
      worker.on('message', onMessage)
      worker.on('error', onError)
      worker.on('exit', onExit)
      c.signal?.addEventListener('abort', onAbort)
      alive()
      worker.postMessage(request)
    })
  }
}

import type { Worker } from 'node:worker_threads'
import { ContractError } from '@shared/contract'
import { startEngineWorker } from '../core/engine-worker'
import type { DecodeGo, DecodeReply, DecodeRequest } from './decode-protocol'
import { importFailed, type ProgressFn } from './errors'
import type { DecodedDataset } from './sources/decoded'

/**
 * How long the decode worker may go without a sign of life before it is stopped. It beats every
 * 500 ms whenever its event loop is free, and no decoder holds the loop longer than one image
 * (at most 100 megapixels) or one CIFAR batch: a minute of silence is a decoder that will not return.
 */
export const DECODE_STALL_MS = 60_000

export interface DecodeOptions<T> {
  imageSize: number
  testRatio: number
  splitSeed: number
  signal?: AbortSignal
  onProgress?: ProgressFn
  /** Once the source is hashed: what these bytes were already imported as, or null to decode them. */
  already(sha256: string): T | null
  /** Overrides DECODE_STALL_MS (tests). */
  stallMs?: number
}

export type DecodeOutcome<T> = { existing: T } | { sha256: string; decoded: DecodedDataset }

/**
 * Reads and decodes import sources in a worker thread, one at a time: a damaged file that sends a
 * decoder into an endless loop blocks that thread, which is stopped after DECODE_STALL_MS without
 * a heartbeat (the import fails saying so), never the app's main thread. The worker is kept between
 * imports and does not keep the process alive while idle.
 */
export class SourceDecoder {
  private worker: Worker | null = null
  private queue: Promise<unknown> = Promise.resolve()

  /** `source`: the worker's TypeScript entry, relative to the package root (tests start others). */
  constructor(private readonly entry = { bundled: 'decode-worker.js', source: 'src-main/data/decode-worker.ts' }) {}

  decode<T>(path: string, opts: DecodeOptions<T>): Promise<DecodeOutcome<T>> {
    const next = this.queue.then(() => this.run(path, opts))
    this.queue = next.catch(() => undefined)
    return next
  }

  /** Stops the worker (a later decode starts a new one). */
  close(): void {
    void this.worker?.terminate()
    this.worker = null
  }

  private spawn(): Worker {
    const worker = startEngineWorker(this.entry.bundled, this.entry.source, null, {
      frame: { type: 'failed', code: 'internal' },
      key: 'message',
      label: 'dataset decode worker',
    })
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = null
    })
    return worker
  }

  private run<T>(path: string, opts: DecodeOptions<T>): Promise<DecodeOutcome<T>> {
    if (opts.signal?.aborted) return Promise.reject(new ContractError('cancelled', 'import cancelled'))
    const worker = (this.worker ??= this.spawn())
    worker.ref()
    const stallMs = opts.stallMs ?? DECODE_STALL_MS
    return new Promise<DecodeOutcome<T>>((resolve, reject) => {
      let settled = false
      let timer: NodeJS.Timeout
      const settle = (done: () => void) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        worker.off('message', onMessage)
        worker.off('error', onError)
        worker.off('exit', onExit)
        opts.signal?.removeEventListener('abort', onAbort)
        worker.unref()
        done()
      }
      const stop = () => {
        if (this.worker === worker) this.worker = null
        void worker.terminate()
      }
      const onStall = () => {
        stop()
        settle(() =>
          reject(
            importFailed(
              path,
              `the decoder gave no sign of life for ${stallMs / 1000} s and was stopped; the file is damaged or built to hang a decoder`,
            ),
          ),
        )
      }
      const alive = () => {
        clearTimeout(timer)
        timer = setTimeout(onStall, stallMs)
      }
      const onMessage = (reply: DecodeReply) => {
        alive()
        switch (reply.type) {
          case 'alive':
            return
          case 'progress':
            opts.onProgress?.(reply.stage, reply.done, reply.total, reply.message)
            return
          case 'opened': {
            const existing = opts.already(reply.sha256)
            const go: DecodeGo = { type: existing === null ? 'decode' : 'drop' }
            worker.postMessage(go)
            if (existing !== null) settle(() => resolve({ existing }))
            else sha256 = reply.sha256
            return
          }
          case 'decoded':
            settle(() => resolve({ sha256, decoded: reply.decoded }))
            return
          case 'failed':
            settle(() => reject(new ContractError(reply.code, reply.message)))
            return
        }
      }
      const onError = (error: Error) => {
        stop()
        settle(() => reject(importFailed(path, `the decoder crashed: ${error.message}`)))
      }
      const onExit = (code: number) => settle(() => reject(importFailed(path, `the decoder exited (code ${code})`)))
      const onAbort = () => {
        stop()
        settle(() => reject(new ContractError('cancelled', 'import cancelled')))
      }
      let sha256 = ''
      worker.on('message', onMessage)
      worker.on('error', onError)
      worker.on('exit', onExit)
      opts.signal?.addEventListener('abort', onAbort)
      alive()
      const request: DecodeRequest = {
        type: 'open',
        path,
        imageSize: opts.imageSize,
        testRatio: opts.testRatio,
        splitSeed: opts.splitSeed,
      }
      worker.postMessage(request)
    })
  }
}

/** The decoder every import of this process shares. */
export const sourceDecoder = new SourceDecoder()

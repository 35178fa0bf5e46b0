import { ContractError } from '@shared/contract'
import { WatchedWorker } from '../core/watched-worker'
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
 * a heartbeat (the import fails saying so), never the app's main thread.
 */
export class SourceDecoder {
  private readonly worker: WatchedWorker

  /** `source`: the worker's TypeScript entry, relative to the package root (tests start others). */
  constructor(entry = { bundled: 'decode-worker.js', source: 'src-main/data/decode-worker.ts' }) {
    this.worker = new WatchedWorker({ ...entry, label: 'dataset decode worker' })
  }

  decode<T>(path: string, opts: DecodeOptions<T>): Promise<DecodeOutcome<T>> {
    const request: DecodeRequest = {
      type: 'open',
      path,
      imageSize: opts.imageSize,
      testRatio: opts.testRatio,
      splitSeed: opts.splitSeed,
    }
    let sha256 = ''
    return this.worker
      .call<DecodeOutcome<T>, DecodeReply>(request, {
        signal: opts.signal,
        stallMs: opts.stallMs ?? DECODE_STALL_MS,
        stalled: (ms) =>
          importFailed(
            path,
            `the decoder gave no sign of life for ${ms / 1000} s and was stopped; the file is damaged or built to hang a decoder`,
          ),
        crashed: (reason) => importFailed(path, `the decoder stopped: ${reason}`),
        onReply: (reply, done, fail, post) => {
          switch (reply.type) {
            case 'progress':
              opts.onProgress?.(reply.stage, reply.done, reply.total, reply.message)
              return
            case 'opened': {
              const existing = opts.already(reply.sha256)
              const go: DecodeGo = { type: existing === null ? 'decode' : 'drop' }
              post(go)
              if (existing !== null) done({ existing })
              else sha256 = reply.sha256
              return
            }
            case 'decoded':
              done({ sha256, decoded: reply.decoded })
              return
            case 'failed':
              fail(new ContractError(reply.code, reply.message))
              return
          }
        },
      })
      .catch((error: unknown) => {
        if (error instanceof ContractError && error.code === 'cancelled') throw new ContractError('cancelled', 'import cancelled')
        throw error
      })
  }

  /** Stops the worker (a later decode starts a new one). */
  close(): void {
    this.worker.close()
  }
}

/** The decoder every import of this process shares. */
export const sourceDecoder = new SourceDecoder()

import type { ErrorCode } from '@shared/contract'
import type { DecodedDataset } from './sources/decoded'

/** The typed messages between the dataset importer (main thread) and its decode worker. */

export interface DecodeRequest {
  type: 'open'
  path: string
  imageSize: number
  testRatio: number
  splitSeed: number
}

/** Sent after `opened`: decode the source, or drop it (it is already imported). */
export interface DecodeGo {
  type: 'decode' | 'drop'
}

export type DecodeReply =
  /** Every HEARTBEAT_MS while the worker's event loop is free: a thread stuck in a decode sends none. */
  | { type: 'alive' }
  | { type: 'progress'; stage: string; done: number; total: number | null; message: string | null }
  | { type: 'opened'; sha256: string }
  | { type: 'decoded'; decoded: DecodedDataset }
  | { type: 'failed'; code: ErrorCode; message: string }

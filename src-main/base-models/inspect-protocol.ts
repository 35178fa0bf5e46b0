import type { ErrorCode } from '@shared/contract'
import type { BaseFamily } from '@shared/domain/model'
import type { KerasInspection, TfjsInspection } from './inspect'

/** The typed messages between the base registry (main thread) and its inspect worker. */
export type InspectRequest =
  { type: 'tfjs'; dir: string; family: BaseFamily } | { type: 'keras'; file: string; family: 'vgg16' | 'mobilenetv2' | undefined }

export type InspectReply =
  | { type: 'alive' }
  | { type: 'tfjs'; inspection: TfjsInspection }
  | { type: 'keras'; inspection: KerasInspection }
  | { type: 'failed'; code: ErrorCode; message: string }

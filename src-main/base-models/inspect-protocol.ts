import type { ErrorCode } from '@shared/contract'
import type { BaseFamily } from '@shared/domain/model'
import type { KerasFamily } from '../engine/architectures/keras'
import type { TimmArch } from '../engine/architectures/timm'
import type { KerasInspection, TfjsInspection, TimmInspection } from './inspect'

/** The typed messages between the base registry (main thread) and its inspect worker. */
export type InspectRequest =
  | { type: 'tfjs'; dir: string; family: BaseFamily }
  | { type: 'keras'; file: string; family: KerasFamily | undefined }
  | { type: 'safetensors'; file: string; arch: TimmArch | undefined }

export type InspectReply =
  | { type: 'alive' }
  | { type: 'tfjs'; inspection: TfjsInspection }
  | { type: 'keras'; inspection: KerasInspection }
  | { type: 'safetensors'; inspection: TimmInspection }
  | { type: 'failed'; code: ErrorCode; message: string }

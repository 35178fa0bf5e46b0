import { ContractError } from '@shared/contract'
import type { BaseFamily } from '@shared/domain/model'
import { WatchedWorker } from '../core/watched-worker'
import type { KerasFamily } from '../engine/architectures/keras'
import type { TimmArch } from '../engine/architectures/timm'
import type { KerasInspection, TfjsInspection, TimmInspection } from './inspect'
import type { InspectReply, InspectRequest } from './inspect-protocol'

/**
 * How long the inspect worker may go silent. Loading the largest base the app knows (VGG16, 528 MB
 * of weights) keeps the thread busy for seconds; two minutes of silence is a load that will not end.
 */
export const INSPECT_STALL_MS = 120_000

/** Describes imported bases in a watched worker thread (see WatchedWorker): a hostile model file cannot hang the app. */
export class BaseInspector {
  private readonly worker: WatchedWorker

  /** `source`: the worker's TypeScript entry, relative to the package root (tests start others). */
  constructor(
    private readonly stallMs = INSPECT_STALL_MS,
    entry = { bundled: 'inspect-worker.js', source: 'src-main/base-models/inspect-worker.ts' },
  ) {
    this.worker = new WatchedWorker({ ...entry, label: 'base inspect worker' })
  }

  tfjs(dir: string, family: BaseFamily): Promise<TfjsInspection> {
    return this.call<TfjsInspection>(dir, { type: 'tfjs', dir, family }, 'tfjs')
  }

  keras(file: string, family: KerasFamily | undefined): Promise<KerasInspection> {
    return this.call<KerasInspection>(file, { type: 'keras', file, family }, 'keras')
  }

  safetensors(file: string, arch: TimmArch | undefined): Promise<TimmInspection> {
    return this.call<TimmInspection>(file, { type: 'safetensors', file, arch }, 'safetensors')
  }

  close(): void {
    this.worker.close()
  }

  private call<T>(path: string, request: InspectRequest, kind: InspectRequest['type']): Promise<T> {
    return this.worker.call<T, InspectReply>(request, {
      stallMs: this.stallMs,
      stalled: (ms) =>
        new ContractError(
          'failed',
          `${path}: loading the model gave no sign of life for ${ms / 1000} s and was stopped; the file is damaged or built to hang a loader`,
        ),
      crashed: (reason) => new ContractError('failed', `${path}: the model loader stopped: ${reason}`),
      onReply: (reply, done, fail) => {
        if (reply.type === 'failed') fail(new ContractError(reply.code, reply.message))
        else if (reply.type === kind) done(reply.inspection as T)
      },
    })
  }
}

/** The inspector every base import of this process shares. */
export const baseInspector = new BaseInspector()

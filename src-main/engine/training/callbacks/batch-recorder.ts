import type { BatchPoint } from '@shared/domain/run'
import type { BatchLogs, Callback, PhaseContext } from './callback'

/** Every batch's loss and accuracy, handed over once per epoch when its training batches end (the store downsamples). */
export class BatchRecorder implements Callback {
  private points: BatchPoint[] = []

  constructor(private readonly onPoints: (points: BatchPoint[]) => void) {}

  onEpochBegin(): void {
    this.points = []
  }

  onBatchEnd(ctx: PhaseContext, logs: BatchLogs): void {
    this.points.push({ phase: ctx.plan.phase, epoch: ctx.epoch, step: ctx.step, loss: logs.loss, accuracy: logs.accuracy })
  }

  onTrainBatchesEnd(): void {
    this.onPoints(this.points)
  }
}

// What the taskbar/dock and desktop notifications show for a run, from the contract's run.progress
// events: a progress fraction while it trains (epochs done plus the current epoch's batches), and one
// notification when it ends (completed, failed, cancelled, interrupted).
import type { RunProgressEvent } from '@shared/contract'

export interface Indicator {
  /** 0..1, INDETERMINATE or CLEAR (Electron's setProgressBar convention). */
  progress: number
  notification: { title: string; body: string } | null
}

/** Electron's setProgressBar: a value above 1 shows an indeterminate bar, below 0 removes it. */
export const INDETERMINATE = 2
export const CLEAR = -1

interface RunTrack {
  name: string
  totalEpochs: number | null
  epochsDone: number
  lastAccuracy: number | null
}

const ENDINGS: Record<string, string> = {
  completed: 'finished',
  failed: 'failed',
  cancelled: 'was cancelled',
  interrupted: 'was interrupted',
}

/** Keeps the state of the runs it has seen; feed it every run.progress event. */
export class TrainingIndicator {
  private readonly runs = new Map<string, RunTrack>()

  constructor(private readonly nameOf: (runId: string) => string = (runId) => runId) {}

  update(event: RunProgressEvent): Indicator | null {
    const track = this.track(event.runId)
    switch (event.type) {
      case 'epoch':
        track.totalEpochs = event.totalEpochs
        track.epochsDone = event.metric.epoch
        track.lastAccuracy = event.metric.valAccuracy ?? event.metric.accuracy ?? null
        return { progress: this.fraction(track, 0), notification: null }
      case 'batch':
        if (track.totalEpochs === null) return { progress: INDETERMINATE, notification: null }
        track.epochsDone = event.epoch - 1
        return { progress: this.fraction(track, event.batch / Math.max(1, event.batchesPerEpoch)), notification: null }
      case 'status': {
        if (event.status === 'running')
          return { progress: track.totalEpochs ? this.fraction(track, 0) : INDETERMINATE, notification: null }
        const ending = ENDINGS[event.status]
        if (!ending) return null
        this.runs.delete(event.runId)
        const parts = [
          `${event.status[0]!.toUpperCase()}${event.status.slice(1)} after ${track.epochsDone} of ${track.totalEpochs ?? '?'} epochs`,
        ]
        if (track.lastAccuracy !== null) parts.push(`accuracy ${(track.lastAccuracy * 100).toFixed(1)}%`)
        if (event.message) parts.push(event.message)
        const resumable = event.status === 'cancelled' || event.status === 'interrupted' ? ' It can be resumed from History.' : ''
        return { progress: CLEAR, notification: { title: `${track.name} ${ending}`, body: `${parts.join('; ')}.${resumable}` } }
      }
      default:
        return null
    }
  }

  /** Names a run and its planned epochs (known from its config before the first epoch ends). */
  describe(runId: string, name: string, totalEpochs: number | null): void {
    const track = this.track(runId)
    track.name = name
    if (totalEpochs !== null) track.totalEpochs = totalEpochs
  }

  /** Runs started and not yet ended: quitting now would stop them. */
  active(): string[] {
    return [...this.runs.keys()]
  }

  private track(runId: string): RunTrack {
    let track = this.runs.get(runId)
    if (!track) {
      track = { name: this.nameOf(runId), totalEpochs: null, epochsDone: 0, lastAccuracy: null }
      this.runs.set(runId, track)
    }
    return track
  }

  private fraction(track: RunTrack, withinEpoch: number): number {
    const total = track.totalEpochs ?? 1
    return Math.min(1, Math.max(0, (track.epochsDone + withinEpoch) / total))
  }
}

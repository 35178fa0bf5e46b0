import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'

export interface EventLoopLag {
  p50Ms: number
  p99Ms: number
  maxMs: number
  samples: number
}

/**
 * Measures the main thread's event-loop delay while training runs (training itself lives in a
 * worker; this is the check that it stays there).
 */
export class EventLoopMonitor {
  private histogram: IntervalHistogram | null = null
  private last: EventLoopLag | null = null

  start(): void {
    if (this.histogram) return
    this.histogram = monitorEventLoopDelay({ resolution: 10 })
    this.histogram.enable()
  }

  /** Stops measuring and keeps the numbers of the period that just ended. */
  stop(): void {
    if (!this.histogram) return
    this.last = this.read()
    this.histogram.disable()
    this.histogram = null
  }

  /** The running period's numbers, or the last finished one's. */
  read(): EventLoopLag | null {
    const h = this.histogram
    if (!h) return this.last
    if (h.count === 0) return { p50Ms: 0, p99Ms: 0, maxMs: 0, samples: 0 }
    return { p50Ms: h.percentile(50) / 1e6, p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6, samples: h.count }
  }
}

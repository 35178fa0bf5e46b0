import type { WebGpuReport } from '@shared/domain/system'
import { acquireAdapter } from './adapter'

let report: Promise<WebGpuReport> | null = null

/**
 * The adapter the webgpu backend would use, or why there is none, without creating a device or
 * touching tfjs. Cached: adapters do not come and go while the process lives.
 */
export function webGpuReport(): Promise<WebGpuReport> {
  report ??= acquireAdapter().then(
    ({ info }) => ({ adapter: info, reason: null }),
    (error: unknown) => ({ adapter: null, reason: error instanceof Error ? error.message : String(error) }),
  )
  return report
}

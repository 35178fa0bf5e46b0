import * as tf from '../tf'

/** The WebGPU session in use while webgpu is the active backend (see ./webgpu/setup). */
interface FaultWatch {
  fault(): string | null
  faulted: Promise<never>
}

let active: FaultWatch | null = null

/** A fault of the device that follows a failed read by at most this long is that read's cause. */
const FAULT_GRACE_MS = 200

/** Set by backend selection: the fault watch of the WebGPU session in use, or null. */
export function setActiveFaultWatch(watch: FaultWatch | null): void {
  active = watch
}

/** A GPU fault after which nothing computed on the device can be trusted: its own reason (lost, out of memory, GPU error). */
export class GpuFaultError extends Error {
  override name = 'GpuFaultError'
}

/**
 * A tensor's values, read asynchronously (webgpu cannot read synchronously in Node). On webgpu the
 * read fails with the device's fault (lost device, out of memory) instead of waiting on a dead queue
 * or surfacing the mapping error the fault caused.
 */
export async function readValues(t: tf.Tensor): Promise<tf.TypedArray> {
  const watch = active
  if (!watch || tf.getBackend() !== 'webgpu') return t.data()
  try {
    return await Promise.race([t.data(), watch.faulted])
  } catch (error) {
    let fault = watch.fault()
    if (fault === null) {
      await Promise.race([watch.faulted.catch(() => {}), new Promise((r) => setTimeout(r, FAULT_GRACE_MS))])
      fault = watch.fault()
    }
    if (fault !== null) throw new GpuFaultError(fault, { cause: error })
    throw error
  }
}

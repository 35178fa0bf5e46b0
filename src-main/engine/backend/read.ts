import * as tf from '../tf'

/** Rejects at the first fault of the WebGPU device while webgpu is the active backend. */
let activeFault: Promise<never> | null = null

/** Set by backend selection: the fault promise of the WebGPU session in use, or null. */
export function setActiveFault(fault: Promise<never> | null): void {
  activeFault = fault
}

/**
 * A tensor's values, read asynchronously (webgpu cannot read synchronously in Node). On webgpu the
 * read fails with the device's fault (lost device, out of memory) instead of waiting on a dead queue.
 */
export function readValues(t: tf.Tensor): Promise<tf.TypedArray> {
  const fault = activeFault
  return fault && tf.getBackend() === 'webgpu' ? Promise.race([t.data(), fault]) : t.data()
}

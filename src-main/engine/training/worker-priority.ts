import { readlinkSync } from 'node:fs'
import { setPriority } from 'node:os'

/** Nice value of the training thread: below the main thread, which serves the UI, IPC and the store. */
export const TRAINING_NICE = 5

/**
 * Lowers the calling worker thread's CPU priority (Linux: nice is per thread, and threads it starts
 * later inherit it: TensorFlow's compute pools, the wasm backend's pthreads). Training then yields
 * the cores to the main thread whenever that has work, whichever backend computes. Returns whether
 * it could (other platforms: no per-thread id, and the process-wide nice would slow the UI too).
 */
export function lowerTrainingThreadPriority(nice: number = TRAINING_NICE): boolean {
  if (process.platform !== 'linux') return false
  try {
    // "/proc/thread-self" links to "<pid>/task/<tid>" for the calling thread.
    const tid = Number(readlinkSync('/proc/thread-self').split('/').pop())
    if (!Number.isInteger(tid) || tid <= 0) return false
    setPriority(tid, nice)
    return true
  } catch {
    return false
  }
}

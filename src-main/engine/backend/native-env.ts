import { setEglPlatform } from './webgpu/adapter'

// TensorFlow (and Mesa's EGL under Dawn) reads its settings with getenv() when a binding creates its
// context. A worker thread's process.env is a private copy that native code never sees, so the thread
// that starts a training worker sets them in the real environment first; the worker's copy then
// reports the same values.

/** The variable TensorFlow sizes its intra-op thread pool from (default: one thread per core). */
export const TF_THREADS_ENV = 'TF_NUM_INTRAOP_THREADS'

/**
 * Quiets TensorFlow's C++ start-up notices (oneDNN, CPU features) unless the user chose a level, and
 * sizes its compute pool from the threads setting (null: TensorFlow's default, every core).
 */
export function setNativeEnvironment(threads: number | null): void {
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2'
  setEglPlatform(process.env)
  if (threads === null) delete process.env[TF_THREADS_ENV]
  else process.env[TF_THREADS_ENV] = String(threads)
}

/** The intra-op threads a native backend started now computes with. */
export function nativeThreads(cores: number): number {
  const set = Number(process.env[TF_THREADS_ENV])
  return Number.isInteger(set) && set > 0 ? set : cores
}

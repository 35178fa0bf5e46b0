// Silences file descriptor 2 while native TensorFlow loads. TensorFlow 2.21's library prints absl's
// "All log messages before absl::InitializeLog()" and oneDNN's notice from its static initialisers,
// before TF_CPP_MIN_LOG_LEVEL is read, so every CLI command would start with them. The guard is a
// small N-API addon `npm run native:install` builds beside the binding (scripts/stderr-guard); where
// it is absent (tfjs-node installed the usual way) loading goes ahead unguarded.
import { existsSync } from 'node:fs'
import { join } from 'node:path'

interface Guard {
  silence(): boolean
  restore(): boolean
}

function stderrGuardPath(pkgDir: string): string {
  return join(pkgDir, 'deps', 'stderr-guard', 'build', 'Release', 'stderr_guard.node')
}

function loadGuard(pkgDir: string): Guard | null {
  const file = stderrGuardPath(pkgDir)
  if (!existsSync(file)) return null
  const module = { exports: {} as Partial<Guard> }
  try {
    process.dlopen(module, file)
  } catch {
    return null
  }
  const { silence, restore } = module.exports
  return typeof silence === 'function' && typeof restore === 'function' ? { silence, restore } : null
}

/**
 * Runs `load` with stderr pointed at /dev/null, unless TF_CPP_MIN_LOG_LEVEL is 0 (the user asked for
 * TensorFlow's notices). Errors still reach the caller as exceptions; only the library's own writes
 * to stderr during the load are dropped.
 */
export async function withQuietStderr<T>(pkgDir: string, load: () => Promise<T>): Promise<T> {
  const guard = process.env.TF_CPP_MIN_LOG_LEVEL === '0' ? null : loadGuard(pkgDir)
  guard?.silence()
  try {
    return await load()
  } finally {
    guard?.restore()
  }
}

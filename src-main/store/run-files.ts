import { existsSync, rmSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'

/** Conventional folder for a run's files (checkpoints, exported model): `<dataDir>/runs/<id>`. */
export function runDirectory(dataDir: string, runId: string): string {
  return join(dataDir, 'runs', runId)
}

/** Resolves an artifact path inside the data directory, or null if it would point outside it. */
export function resolveInside(dataDir: string, path: string): string | null {
  if (isAbsolute(path)) return null
  const root = resolve(dataDir)
  const full = resolve(root, path)
  const rel = relative(root, full)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null
  return full
}

export function artifactExists(dataDir: string, path: string): boolean {
  const full = resolveInside(dataDir, path)
  return full !== null && existsSync(full)
}

/** Removes a deleted run's artifact files (files or folders) and its run folder. */
export function deleteRunFiles(dataDir: string, runId: string, artifactPaths: readonly string[]): void {
  for (const path of artifactPaths) {
    const full = resolveInside(dataDir, path)
    if (full) rmSync(full, { recursive: true, force: true })
  }
  if (/^[\w.-]+$/.test(runId)) rmSync(runDirectory(dataDir, runId), { recursive: true, force: true })
}

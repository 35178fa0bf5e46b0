// Builds the app (electron-vite: main, preload, renderer) when out/renderer is missing or older than
// its sources, so `npm run serve` and `npm start` always show the current UI.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './electron-info.mjs'

const SOURCES = ['src-renderer', 'src-shared', 'electron.vite.config.ts', 'package.json']

function newestMtime(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  let newest = stat.mtimeMs
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules') continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

export function rendererIsStale() {
  const index = join(repoRoot, 'out', 'renderer', 'index.html')
  if (!existsSync(index)) return 'out/renderer is missing'
  const built = statSync(index).mtimeMs
  const changed = SOURCES.find((s) => newestMtime(join(repoRoot, s)) > built)
  return changed ? `${changed} changed since the last build` : null
}

/** Runs `electron-vite build` if needed; returns false when the build failed. */
export function ensureBuilt() {
  const reason = rendererIsStale()
  if (!reason) return true
  console.log(`Building the app (${reason})…`)
  const cli = join(repoRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: repoRoot, stdio: 'inherit' })
  return result.status === 0
}

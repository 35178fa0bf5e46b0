// Where the Electron binary and the Electron build of better-sqlite3 live. Shared by the npm scripts;
// the binding path must match sqliteNativeBinding() in src-main/core/native.ts.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..')
export const nodeModules = join(repoRoot, 'node_modules')

/** { version, binary } of the installed Electron, binary null when only the npm package is there. */
export function electronInfo() {
  const dir = join(nodeModules, 'electron')
  if (!existsSync(join(dir, 'package.json'))) return { version: null, binary: null }
  const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
  const pathFile = join(dir, 'path.txt')
  if (!existsSync(pathFile)) return { version, binary: null }
  const binary = join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())
  return { version, binary: existsSync(binary) ? binary : null }
}

export function electronSqliteBinding(version, platform = process.platform, arch = process.arch) {
  return join(nodeModules, '.cache', 'cifar-workbench', 'electron', `${version}-${platform}-${arch}`, 'better_sqlite3.node')
}

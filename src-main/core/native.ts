// Native module locations that differ between Node (tests, CLI, browser mode) and Electron.
// better-sqlite3 is a native addon built for one ABI: node_modules keeps Node's build, and
// scripts/postinstall.mjs puts an Electron-ABI build beside it, under the path computed here.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

/** Env override: an explicit better_sqlite3.node to load (packaging, unusual layouts). */
export const SQLITE_BINDING_ENV = 'CIFAR_WORKBENCH_SQLITE_BINDING'

/**
 * Where postinstall puts the Electron build of better-sqlite3 (keep in sync with
 * scripts/postinstall.mjs): node_modules/.cache/cifar-workbench/electron/<version>-<platform>-<arch>/.
 */
export function electronSqliteBindingPath(
  nodeModulesDir: string,
  electronVersion: string,
  platform: string = process.platform,
  arch: string = process.arch,
): string {
  return join(
    nodeModulesDir,
    '.cache',
    'cifar-workbench',
    'electron',
    `${electronVersion}-${platform}-${arch}`,
    'better_sqlite3.node',
  )
}

function nodeModulesDir(): string | null {
  try {
    const pkg = createRequire(import.meta.url).resolve('better-sqlite3/package.json')
    return dirname(dirname(pkg))
  } catch {
    return null
  }
}

/**
 * An installer's node_modules (inside app.asar, or its unpacked twin) holds better-sqlite3 rebuilt
 * for Electron by electron-builder (electron-builder.yml: npmRebuild), so its own build is the one.
 */
export function isPackagedApp(nodeModules: string): boolean {
  return /[\\/]app\.asar(\.unpacked)?[\\/]/.test(`${nodeModules}/`)
}

/**
 * The `nativeBinding` to pass to `new Database(file, { nativeBinding })`: undefined under Node (the
 * addon in node_modules is Node's own build) and in an installed app, the Electron-ABI build from
 * postinstall when running Electron from a checkout.
 * Throws a clear error inside Electron when that build is missing, instead of letting better-sqlite3
 * fail later with a NODE_MODULE_VERSION mismatch.
 */
export function sqliteNativeBinding(): string | undefined {
  const override = process.env[SQLITE_BINDING_ENV]
  if (override) return override
  const electron = process.versions.electron
  if (!electron) return undefined
  const modules = nodeModulesDir()
  if (modules && isPackagedApp(modules)) return undefined
  const file = modules ? electronSqliteBindingPath(modules, electron) : null
  if (file && existsSync(file)) return file
  throw new Error(
    `better-sqlite3 has no build for Electron ${electron} (expected ${file ?? 'node_modules/.cache/cifar-workbench/electron/…'}); ` +
      'run `npm run postinstall` (needs network for the prebuilt binary or a C++ toolchain), or use `npm run serve`',
  )
}

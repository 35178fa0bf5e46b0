import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { mkdirSync } from 'node:fs'

export const DATA_DIR_ENV = 'CIFAR_WORKBENCH_HOME'

/**
 * Where runs, datasets and models live. Precedence: --data-dir, then $CIFAR_WORKBENCH_HOME, then the
 * shell's default (Electron's userData in the app, ~/.cifar-workbench elsewhere).
 */
export function resolveDataDir(options: { flag?: string | null; shellDefault?: string | null } = {}): string {
  const chosen = options.flag || process.env[DATA_DIR_ENV] || options.shellDefault || join(homedir(), '.cifar-workbench')
  const dir = resolve(chosen)
  mkdirSync(dir, { recursive: true })
  return dir
}

import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { BaseModelInfo } from '@shared/domain/model'

/**
 * The ImageNet bases that ship with the app (resources/bases): registered on every start when missing,
 * so transfer learning works offline from the first launch. Their registry path is `app:bases/<id>`,
 * resolved against the install at run time, because the install's location changes (an AppImage
 * mounts somewhere new on every launch).
 */
export const BUNDLED_PATH_PREFIX = 'app:bases/'

/** Set by a packaged shell whose resources are not beside the sources (Electron's resourcesPath). */
export const RESOURCES_DIR_ENV = 'CIFAR_WORKBENCH_RESOURCES'

export const BUNDLED_INDEX = 'bases.json'

/** One entry of resources/bases/bases.json: a registry record without its registration time. */
export const BundledBase = BaseModelInfo.omit({ registeredAt: true }).extend({
  path: z.string().startsWith(BUNDLED_PATH_PREFIX),
})
export type BundledBase = z.infer<typeof BundledBase>
const BundledIndex = z.object({ bases: z.array(BundledBase) })

/** resources/bases of this install: $CIFAR_WORKBENCH_RESOURCES, else the first `resources/` above this module. */
export function bundledBasesDir(): string | null {
  const fromEnv = process.env[RESOURCES_DIR_ENV]
  if (fromEnv) return join(fromEnv, 'bases')
  // Sources (src-main/engine/architectures) and builds (out/main) both sit below the package root.
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'resources', 'bases')
    if (existsSync(join(candidate, BUNDLED_INDEX))) return candidate
    dir = dirname(dir)
  }
  return null
}

export function isBundledPath(path: string): boolean {
  return path.startsWith(BUNDLED_PATH_PREFIX)
}

/** Where a bundled base's files are on this install. */
export function bundledFolder(path: string, dir = bundledBasesDir()): string {
  const id = path.slice(BUNDLED_PATH_PREFIX.length)
  if (!dir) throw new Error(`base ${id} ships with the app, but this install has no resources/bases folder`)
  return join(dir, id)
}

/** The bases this install ships (validated); none when the folder is absent. */
export function readBundledBases(dir = bundledBasesDir()): BundledBase[] {
  if (!dir) return []
  const file = join(dir, BUNDLED_INDEX)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new Error(`${file}: unreadable (${(error as Error).message}); reinstall the app`, { cause: error })
  }
  const parsed = BundledIndex.safeParse(raw)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new Error(`${file}: invalid (${issue?.path.join('.') || 'root'}: ${issue?.message}); reinstall the app`)
  }
  return parsed.data.bases
}

// The real data in the workspace's shared folder (CIFAR-10 JPEGs, the tfjs ImageNet bases) is a second
// tier of tests: a clone without it skips them with a message, CI (which always has it) fails instead.
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

const REPO_ROOT = resolve(import.meta.dirname, '..', '..')

/** Where the shared folder is: $WORKBENCH_SHARED_DIR, else `../shared` beside the repository. */
export const SHARED_DIR = process.env.WORKBENCH_SHARED_DIR
  ? resolve(process.env.WORKBENCH_SHARED_DIR)
  : resolve(REPO_ROOT, '..', 'shared')

/** A path inside the shared folder (`data/cifar10-jpg.tar.gz`, `models/mobilenetv2-imagenet`). */
export function sharedPath(relative: string): string {
  return join(SHARED_DIR, relative)
}

const underCi = (): boolean => {
  const ci = process.env.CI?.toLowerCase()
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0'
}

/**
 * Why `what` cannot run here (one of `relative` paths is missing from the shared folder), or null when
 * it can. Under CI a missing path throws, so the test file fails rather than skipping.
 */
export function missingShared(what: string, ...relative: string[]): string | null {
  const missing = relative.map(sharedPath).filter((path) => !existsSync(path))
  if (missing.length === 0) return null
  const reason = `${missing.join(' and ')} not found (set WORKBENCH_SHARED_DIR to the shared folder)`
  if (underCi()) throw new Error(`CI must run ${what}, but ${reason}`)
  console.warn(`skipping ${what}: ${reason}`)
  return reason
}

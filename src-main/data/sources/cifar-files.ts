import { importFailed } from '../errors'
import type { SourceEntry } from './archive'
import { baseName } from './decoded'

/**
 * Finds the six CIFAR-10 batches (and the meta file) by name. `suffix` is ".bin" for the binary
 * release and "" for the python one. Returns null when none of them is there (another format).
 */
export function findCifarBatches(
  entries: SourceEntry[],
  suffix: '.bin' | '',
  sourcePath: string,
): { train: SourceEntry[]; test: SourceEntry; meta: SourceEntry | null } | null {
  const wanted = [1, 2, 3, 4, 5].map((i) => `data_batch_${i}${suffix}`)
  const testName = `test_batch${suffix}`
  const metaName = suffix === '.bin' ? 'batches.meta.txt' : 'batches.meta'
  const byName = new Map<string, SourceEntry>()
  for (const e of entries) {
    if (e.isDir) continue
    const name = baseName(e.path)
    if (![...wanted, testName, metaName].includes(name)) continue
    const seen = byName.get(name)
    if (seen) throw importFailed(sourcePath, `holds ${name} twice (${seen.path} and ${e.path}); import one of them`)
    byName.set(name, e)
  }
  if (byName.size === 0 || (byName.size === 1 && byName.has(metaName))) return null
  const missing = [...wanted, testName].filter((n) => !byName.has(n))
  if (missing.length)
    throw importFailed(sourcePath, `missing CIFAR-10 batch${missing.length > 1 ? 'es' : ''} ${missing.join(', ')}`)
  return { train: wanted.map((n) => byName.get(n)!), test: byName.get(testName)!, meta: byName.get(metaName) ?? null }
}

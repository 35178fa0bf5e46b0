// Writes resources/bases/bases.json, the registry records of the bases that ship with the app, from the
// folders beside it. `--check` exits 1 when the file is not what the folders give (run by the tests).
import { readdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describeBundledFolders } from '../src-main/base-models/bundled'
import { BUNDLED_INDEX } from '../src-main/engine/architectures/bundled-bases'

const dir = join(import.meta.dirname, '..', 'resources', 'bases')
const folders = readdirSync(dir)
  .filter((name) => existsSync(join(dir, name, 'model.json')))
  .sort()
  .map((name) => join(dir, name))
const text = `${JSON.stringify({ bases: await describeBundledFolders(folders) }, null, 2)}\n`
const file = join(dir, BUNDLED_INDEX)
if (process.argv.includes('--check')) {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : ''
  if (current !== text) {
    console.error(`${file} is stale: run node bin/run-ts.mjs scripts/bundled-bases.ts`)
    process.exit(1)
  }
  console.log(`${file} matches its ${folders.length} folders`)
} else {
  writeFileSync(file, text)
  console.log(`wrote ${file} (${folders.length} bases)`)
}

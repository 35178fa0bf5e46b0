#!/usr/bin/env node
// `npm run serve [-- --port N --data-dir DIR --backend NAME]`: browser mode. Builds the renderer when
// needed, then serves it and the core on 127.0.0.1 and prints the tokened URL.
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { register } from 'tsx/esm/api'
import { repoRoot } from './electron-info.mjs'
import { ensureBuilt } from './renderer-build.mjs'

export async function serve(argv) {
  if (argv.includes('--help') || argv.includes('-h')) {
    // Help needs no build.
  } else if (!ensureBuilt()) {
    console.error('error: the renderer build failed (see above)')
    return 1
  }
  register()
  const { serveMain } = await import(pathToFileURL(join(repoRoot, 'src-main', 'server', 'main.ts')).href)
  return serveMain(argv)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await serve(process.argv.slice(2))
}

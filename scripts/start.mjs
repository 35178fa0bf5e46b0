#!/usr/bin/env node
// `npm start`: the desktop app (electron-vite preview: build, then Electron) when Electron can run
// here; otherwise says why and starts browser mode. `npm start -- --dev` runs the dev server with HMR.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { electronInfo, electronSqliteBinding, repoRoot } from './electron-info.mjs'
import { serve } from './serve.mjs'

const argv = process.argv.slice(2)
const dev = argv.includes('--dev')
const passThrough = argv.filter((a) => a !== '--dev')

function whyNoElectron() {
  const { version, binary } = electronInfo()
  if (!version) return 'the electron package is not installed'
  if (!binary) {
    return (
      `the Electron ${version} binary is not installed (skipped with ELECTRON_SKIP_BINARY_DOWNLOAD or a failed download; ` +
      'fetch it with `npm rebuild electron` where github.com is reachable)'
    )
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return 'there is no display (DISPLAY/WAYLAND_DISPLAY unset)'
  }
  return null
}

const reason = whyNoElectron()
if (reason) {
  console.log(`Electron cannot start: ${reason}.`)
  console.log('Starting browser mode instead (the same workbench, in your browser).\n')
  process.exitCode = await serve(passThrough)
} else {
  const { version } = electronInfo()
  if (!existsSync(electronSqliteBinding(version))) {
    console.log(`better-sqlite3 has no Electron ${version} build yet; preparing it…`)
    spawnSync(process.execPath, [join(repoRoot, 'scripts', 'postinstall.mjs')], { stdio: 'inherit' })
  }
  const cli = join(repoRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  // Electron switches after `--` reach the app (e.g. --data-dir=DIR, --backend=wasm).
  const child = spawn(process.execPath, [cli, dev ? 'dev' : 'preview', ...(passThrough.length ? ['--', ...passThrough] : [])], {
    cwd: repoRoot,
    stdio: 'inherit',
  })
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal ? 1 : 0)
  })
}

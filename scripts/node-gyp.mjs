// Where node-gyp is, for the scripts that build native modules themselves (the native TensorFlow
// binding, better-sqlite3 for Electron's ABI): npm's setting first, then a copy installed beside us,
// then the one npm bundles next to this Node, then the global npm's.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'

const bundledPath = ['npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js']

/** The path of node-gyp's entry script, or null when none is installed anywhere we look. */
export function findNodeGyp() {
  const configured = process.env.npm_config_node_gyp
  if (configured && existsSync(configured)) return configured
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js')
  } catch {
    // not installed beside us: try npm's own copies below
  }
  const besideNode = join(dirname(process.execPath), '..', 'lib', 'node_modules', ...bundledPath)
  if (existsSync(besideNode)) return besideNode
  const npmRoot = spawnSync('npm', ['root', '-g'], { encoding: 'utf8' })
  const globalRoot = npmRoot.status === 0 ? npmRoot.stdout.trim().split('\n').pop() : undefined
  const viaNpm = globalRoot ? join(globalRoot, ...bundledPath) : ''
  return viaNpm && existsSync(viaNpm) ? viaNpm : null
}

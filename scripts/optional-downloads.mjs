// The parts of `npm install` that download from hosts other than the npm registry: Electron's binary
// (github.com) and libtensorflow (storage.googleapis.com). Their packages are optionalDependencies,
// so npm drops one whose download fails instead of failing the install; this module says, one line
// each, what is missing and how to fetch it later. Shared by postinstall.mjs and its tests.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** What each optional download gives, and the command that fetches it after the fact. */
export const OPTIONAL_DOWNLOADS = [
  {
    name: 'electron',
    what: 'the Electron binary',
    host: 'github.com',
    without: '`npm start` serves browser mode',
    later: 'npm rebuild electron',
  },
  {
    name: '@tensorflow/tfjs-node',
    what: 'native TensorFlow (libtensorflow)',
    host: 'storage.googleapis.com',
    without: 'training uses WebAssembly',
    later: (version) => `npm install @tensorflow/tfjs-node@${version}`,
  },
]

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'))

/** The version package-lock.json pins for `name`, else the range package.json asks for. */
export function pinnedVersion(root, name) {
  const lockFile = join(root, 'package-lock.json')
  if (existsSync(lockFile)) {
    const locked = readJson(lockFile).packages?.[`node_modules/${name}`]?.version
    if (locked) return locked
  }
  const manifest = readJson(join(root, 'package.json'))
  return manifest.optionalDependencies?.[name] ?? manifest.devDependencies?.[name] ?? null
}

/** Electron's state in node_modules: 'absent' (npm dropped it), 'no-binary' or 'ready'. */
export function electronState(nodeModules) {
  const dir = join(nodeModules, 'electron')
  if (!existsSync(join(dir, 'package.json'))) return 'absent'
  const pathFile = join(dir, 'path.txt')
  if (!existsSync(pathFile)) return 'no-binary'
  return existsSync(join(dir, 'dist', readFileSync(pathFile, 'utf8').trim())) ? 'ready' : 'no-binary'
}

/**
 * One line per optional download that is not in node_modules, e.g.
 * "the Electron binary was not downloaded (github.com unreachable?): `npm start` serves browser mode; fetch it later with `npm rebuild electron`".
 * `env` decides whether a skip was asked for (ELECTRON_SKIP_BINARY_DOWNLOAD) rather than a failure.
 */
export function missingDownloads(root, env = process.env) {
  const nodeModules = join(root, 'node_modules')
  const declared = readJson(join(root, 'package.json')).optionalDependencies ?? {}
  const lines = []
  for (const item of OPTIONAL_DOWNLOADS) {
    if (!(item.name in declared)) continue
    const present =
      item.name === 'electron'
        ? electronState(nodeModules) === 'ready'
        : existsSync(join(nodeModules, ...item.name.split('/'), 'package.json'))
    if (present) continue
    const later = typeof item.later === 'function' ? item.later(pinnedVersion(root, item.name)) : item.later
    const why =
      item.name === 'electron' && env.ELECTRON_SKIP_BINARY_DOWNLOAD
        ? 'was skipped (ELECTRON_SKIP_BINARY_DOWNLOAD)'
        : `was not downloaded (${item.host} unreachable?)`
    lines.push(`${item.what} ${why}: ${item.without}; fetch it later with \`${later}\``)
  }
  return lines
}

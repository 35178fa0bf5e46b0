// Finishes an install that could not reach every download host, then solves the better-sqlite3 ABI
// question.
//
// Electron is an optionalDependency so that a failed binary download (github.com unreachable) does
// not fail `npm install`; npm then drops the whole package, which the build (electron-vite reads its
// version) and the type check (its types) still need. So the package is put back without its binary,
// the same state ELECTRON_SKIP_BINARY_DOWNLOAD=1 gives, and one line says how to fetch the binary.
//
// better-sqlite3: node_modules keeps better-sqlite3 built for Node (tests, CLI,
// browser mode). When the Electron binary is installed, an Electron-ABI build of better_sqlite3.node is
// put in node_modules/.cache/cifar-workbench/electron/<version>-<platform>-<arch>/, which the app loads
// through better-sqlite3's `nativeBinding` option. Prebuilt binary first (prebuild-install), then a
// source build against Electron's headers (node-gyp). This script never fails the install.
//
// CIFAR_WORKBENCH_ELECTRON_VERSION=41.x.y forces the build for that version without the binary
// (packaging machines); it then cannot be verified here.
import { spawnSync } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { electronInfo, electronSqliteBinding, nodeModules, repoRoot } from './electron-info.mjs'
import { findNodeGyp } from './node-gyp.mjs'
import { electronState, missingDownloads, pinnedVersion } from './optional-downloads.mjs'

const log = (text) => console.log(`[cifar-workbench postinstall] ${text}`)

function run(command, args, cwd, extraEnv = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: { ...process.env, ...extraEnv },
    encoding: 'utf8',
    timeout: 10 * 60 * 1000,
  })
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim()
  return { ok: result.status === 0, output: result.error ? String(result.error) : output }
}

function lastLine(text) {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? 'no output'
  )
}

/** Builds in a scratch copy of the package so node_modules/better-sqlite3 keeps Node's build. */
function buildForElectron(version) {
  const source = join(nodeModules, 'better-sqlite3')
  const scratchRoot = join(nodeModules, '.cache', 'cifar-workbench')
  mkdirSync(scratchRoot, { recursive: true })
  const scratch = mkdtempSync(join(scratchRoot, 'build-'))
  try {
    cpSync(source, scratch, { recursive: true, filter: (p) => !p.startsWith(join(source, 'build')) })
    const built = join(scratch, 'build', 'Release', 'better_sqlite3.node')
    const prebuild = join(nodeModules, 'prebuild-install', 'bin.js')
    const reasons = []
    if (existsSync(prebuild)) {
      log(`fetching the prebuilt better-sqlite3 for Electron ${version}…`)
      const r = run(
        process.execPath,
        [prebuild, '--runtime', 'electron', '--target', version, '--arch', process.arch, '--platform', process.platform],
        scratch,
      )
      if (r.ok && existsSync(built)) return { file: built, scratch }
      reasons.push(`prebuilt: ${lastLine(r.output)}`)
    }
    const gyp = findNodeGyp()
    if (gyp) {
      log(`building better-sqlite3 from source against Electron ${version} headers (node-gyp)…`)
      const r = run(
        process.execPath,
        [
          gyp,
          'rebuild',
          '--release',
          `--target=${version}`,
          `--arch=${process.arch}`,
          '--runtime=electron',
          '--dist-url=https://electronjs.org/headers',
        ],
        scratch,
      )
      if (r.ok && existsSync(built)) return { file: built, scratch }
      // node-gyp spreads its message over several "gyp ERR! stack" lines before the trace.
      const cause = r.output
        .split('\n')
        .filter((l) => /^gyp ERR! stack /.test(l) && !/^gyp ERR! stack\s+at /.test(l))
        .map((l) => l.replace(/^gyp ERR! stack\s*/, '').trim())
        .join(' ')
        .slice(0, 300)
      reasons.push(`node-gyp: ${cause || lastLine(r.output)}`)
    } else {
      reasons.push('node-gyp: not found')
    }
    rmSync(scratch, { recursive: true, force: true })
    return { file: null, scratch: null, reasons }
  } catch (error) {
    rmSync(scratch, { recursive: true, force: true })
    return { file: null, scratch: null, reasons: [String(error)] }
  }
}

/** Loads the binding inside Electron-as-Node: the only real proof that the ABI matches. */
function verify(binary, binding) {
  const script = `const D=require(${JSON.stringify(join(nodeModules, 'better-sqlite3'))});const db=new D(':memory:',{nativeBinding:${JSON.stringify(binding)}});console.log(db.prepare('select sqlite_version() v').get().v)`
  return run(binary, ['-e', script], nodeModules, { ELECTRON_RUN_AS_NODE: '1' })
}

/** Runs npm the way the user's npm runs (npm_execpath), else the npm on PATH. */
function npm(args, extraEnv) {
  const execPath = process.env.npm_execpath
  return execPath && /\.[cm]?js$/.test(execPath)
    ? run(process.execPath, [execPath, ...args], repoRoot, extraEnv)
    : run(process.platform === 'win32' ? 'npm.cmd' : 'npm', args, repoRoot, extraEnv)
}

/** Puts back the electron package npm dropped after its binary download failed. */
function restoreElectronPackage() {
  if (electronState(nodeModules) !== 'absent') return
  if (process.env.CIFAR_WORKBENCH_POSTINSTALL_NESTED) return
  if (/\boptional\b/.test(process.env.npm_config_omit ?? '')) return
  const version = pinnedVersion(repoRoot, 'electron')
  if (!version) return
  const r = npm(['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts=false'], {
    ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
    CIFAR_WORKBENCH_POSTINSTALL_NESTED: '1',
  })
  if (!r.ok || electronState(nodeModules) === 'absent') {
    log(
      `could not reinstall the electron ${version} package without its binary (${lastLine(r.output)}); the build needs it: retry \`npm install\`.`,
    )
  }
}

function main() {
  if (process.env.CIFAR_WORKBENCH_POSTINSTALL_NESTED) return
  restoreElectronPackage()
  for (const line of missingDownloads(repoRoot)) log(line)
  const forced = process.env.CIFAR_WORKBENCH_ELECTRON_VERSION || null
  const { version: installed, binary } = electronInfo()
  const version = forced ?? (binary ? installed : null)
  if (!version) return // missingDownloads said so; no Electron means no Electron build of better-sqlite3.
  const target = electronSqliteBinding(version)
  if (existsSync(target)) {
    log(`better-sqlite3 for Electron ${version} already present.`)
    return
  }
  const result = buildForElectron(version)
  if (!result.file) {
    log(`could not produce better-sqlite3 for Electron ${version} (${result.reasons.join('; ')}).`)
    log('The desktop app needs it; tests, the CLI and `npm run serve` do not. Retry with `npm run postinstall`.')
    return
  }
  mkdirSync(dirname(target), { recursive: true })
  copyFileSync(result.file, target)
  rmSync(result.scratch, { recursive: true, force: true })
  if (binary && !forced) {
    const check = verify(binary, target)
    if (!check.ok) {
      rmSync(target, { force: true })
      log(`the Electron build of better-sqlite3 failed to load in Electron (${lastLine(check.output)}); removed it.`)
      return
    }
    log(`better-sqlite3 for Electron ${version} ready (SQLite ${lastLine(check.output)}).`)
    return
  }
  log(`better-sqlite3 for Electron ${version} written to ${target} (not verified: no Electron binary here).`)
}

try {
  main()
} catch (error) {
  log(`skipped: ${error instanceof Error ? error.message : String(error)}`)
}
process.exitCode = 0

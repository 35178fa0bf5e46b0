import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { electronState, missingDownloads, pinnedVersion } from '../../../scripts/optional-downloads.mjs'

const repoRoot = resolve(import.meta.dirname, '..', '..', '..')
const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/** A project root shaped like this one: package.json, package-lock.json and what npm left in node_modules. */
function project(installed: { electron?: 'absent' | 'no-binary' | 'ready'; tfjsNode?: boolean }): string {
  const root = mkdtempSync(join(tmpdir(), 'cw-install-'))
  dirs.push(root)
  const write = (path: string, text: string) => {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  write('package.json', JSON.stringify({ optionalDependencies: { electron: '^41.0.0', '@tensorflow/tfjs-node': '4.22.0' } }))
  write('package-lock.json', JSON.stringify({ packages: { 'node_modules/electron': { version: '41.7.1' } } }))
  if (installed.electron && installed.electron !== 'absent') {
    write('node_modules/electron/package.json', JSON.stringify({ name: 'electron', version: '41.7.1' }))
    if (installed.electron === 'ready') {
      write('node_modules/electron/path.txt', 'electron')
      write('node_modules/electron/dist/electron', '')
    }
  }
  if (installed.tfjsNode) write('node_modules/@tensorflow/tfjs-node/package.json', '{}')
  return root
}

describe('optional downloads (Electron binary, libtensorflow)', () => {
  it('says nothing when everything downloaded', () => {
    expect(missingDownloads(project({ electron: 'ready', tfjsNode: true }), {})).toEqual([])
  })

  it('one line each for a dropped electron and a dropped tfjs-node, with the command that fetches it later', () => {
    const lines = missingDownloads(project({ electron: 'absent' }), {})
    expect(lines).toEqual([
      'the Electron binary was not downloaded (github.com unreachable?): `npm start` serves browser mode; fetch it later with `npm rebuild electron`',
      'native TensorFlow (libtensorflow) was not downloaded (storage.googleapis.com unreachable?): training uses WebAssembly; ' +
        'fetch it later with `npm install @tensorflow/tfjs-node@4.22.0`',
    ])
  })

  it('the package without its binary counts as missing; an asked-for skip is named as such', () => {
    const root = project({ electron: 'no-binary', tfjsNode: true })
    expect(electronState(join(root, 'node_modules'))).toBe('no-binary')
    expect(missingDownloads(root, { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' })).toEqual([
      'the Electron binary was skipped (ELECTRON_SKIP_BINARY_DOWNLOAD): `npm start` serves browser mode; fetch it later with `npm rebuild electron`',
    ])
  })

  it('pins the version from package-lock.json, else the range in package.json', () => {
    const root = project({})
    expect(pinnedVersion(root, 'electron')).toBe('41.7.1')
    expect(pinnedVersion(root, '@tensorflow/tfjs-node')).toBe('4.22.0')
  })

  it('this project declares every download-host package as optional only (a dev entry would make its failure fatal)', () => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Record<
      'optionalDependencies' | 'devDependencies' | 'dependencies',
      Record<string, string>
    >
    for (const name of ['electron', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
      expect(manifest.optionalDependencies[name], name).toBeDefined()
      expect(manifest.devDependencies[name], name).toBeUndefined()
      expect(manifest.dependencies[name], name).toBeUndefined()
    }
  })
})

import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isPackagedApp } from '../../../src-main/core/native'

const repoRoot = resolve(import.meta.dirname, '..', '..', '..')
const require = createRequire(join(repoRoot, 'package.json'))
const hasBuilder = existsSync(join(repoRoot, 'node_modules', 'app-builder-lib', 'package.json'))
if (!hasBuilder) console.warn('SKIP installer configuration tests: electron-builder is not installed (npm install)')
if (!hasBuilder && process.env.CI) throw new Error('electron-builder missing under CI: npm ci installs it')

interface BuilderConfig {
  /** getConfig normalises the list into file sets. */
  files: Array<{ filter: string[] }>
  asarUnpack: string[]
  linux: { target: string[] }
  mac: { target: string }
  win: { target: string }
  npmRebuild: boolean
}

async function load(file = 'electron-builder.yml'): Promise<BuilderConfig> {
  const { getConfig, validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
    getConfig: (dir: string, file: string, extra: null) => Promise<BuilderConfig>
    validateConfiguration: (config: BuilderConfig, logger: unknown) => Promise<void>
  }
  const { DebugLogger } = require('builder-util/out/DebugLogger') as { DebugLogger: new (enabled: boolean) => unknown }
  const config = await getConfig(repoRoot, file, null)
  await validateConfiguration(config, new DebugLogger(false))
  return config
}

describe.skipIf(!hasBuilder)('electron-builder configuration (installers)', () => {
  it('validates against electron-builder’s schema, with a target per platform', async () => {
    const config = await load()
    expect(config.linux.target).toEqual(['AppImage', 'deb'])
    expect(config.mac.target).toBe('dmg')
    expect(config.win.target).toBe('nsis')
    expect(config.npmRebuild).toBe(true)
  })

  it('packages the build, the icon and the README, never the electron npm package; native addons stay outside the asar', async () => {
    const config = await load()
    expect(config.files.flatMap((set) => set.filter)).toEqual(
      expect.arrayContaining(['out/**', 'resources/icon.png', 'README.md', '!node_modules/electron/**']),
    )
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', 'node_modules/better-sqlite3/**']))
    expect(existsSync(join(repoRoot, 'resources', 'icon.png'))).toBe(true)
  })
})

describe('native module resolution in an installed app', () => {
  it('inside app.asar (or its unpacked twin) better-sqlite3 is loaded from its own, Electron-rebuilt, build', () => {
    expect(isPackagedApp('/opt/CIFAR Workbench/resources/app.asar/node_modules')).toBe(true)
    expect(isPackagedApp('C:\\Program Files\\CIFAR Workbench\\resources\\app.asar.unpacked\\node_modules')).toBe(true)
    expect(isPackagedApp('/Applications/CIFAR Workbench.app/Contents/Resources/app.asar/node_modules')).toBe(true)
    expect(isPackagedApp(join(repoRoot, 'node_modules'))).toBe(false)
    expect(isPackagedApp('/home/me/app.asarx/node_modules')).toBe(false)
  })
})

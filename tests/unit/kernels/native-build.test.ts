// The embedded WebAssembly of native/kernels-wasm.ts must be the build of native/kernels.c. Needs
// clang, wasm-ld and llvm-objdump (Debian: clang lld; .ci/run installs them); skipped without them.
import { spawnSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'

const tools = ['clang', 'wasm-ld', 'llvm-objdump'].filter((tool) => spawnSync(tool, ['--version']).status !== 0)
const reason = tools.length > 0 ? `skipped: ${tools.join(', ')} not installed (apt-get install clang lld)` : ''

describe('native kernels build', () => {
  it.skipIf(tools.length > 0 && !process.env.CI)(`kernels-wasm.ts is the build of kernels.c ${reason}`, () => {
    expect(tools, 'CI must install clang and lld').toEqual([])
    const result = spawnSync(process.execPath, ['scripts/build-wasm-kernels.mjs', '--check'], { encoding: 'utf8' })
    expect(result.stderr).toBe('')
    expect(result.status).toBe(0)
  })
})

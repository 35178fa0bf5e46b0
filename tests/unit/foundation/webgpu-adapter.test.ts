// The webgpu backend's adapter choice: software rasterisers are recognised by name or Dawn's fallback
// flag, and without WORKBENCH_WEBGPU_ADAPTER=software the engine never takes one (here, on whatever
// this machine has: a hardware adapter, a refused software one, or none, each with its reason).
import { describe, expect, it } from 'vitest'
import { acquireAdapter, isSoftwareAdapter, softwareAdapterAllowed } from '../../../src-main/engine/backend/webgpu/adapter'

const info = (vendor: string, device: string, description: string) => ({ vendor, device, description })

describe('WebGPU adapter choice', () => {
  it('recognises CPU rasterisers by name and by the fallback flag, and GPUs as hardware', () => {
    expect(isSoftwareAdapter(info('', 'llvmpipe-llvm-15-0-6-256-bits-', 'OpenGL ES 3.2 Mesa 22.3.6'), false)).toBe(true)
    expect(isSoftwareAdapter(info('mesa', 'llvmpipe (LLVM 15.0.6, 256 bits)', 'lavapipe'), false)).toBe(true)
    expect(isSoftwareAdapter(info('google', 'swiftshader', 'SwiftShader Device (Subzero)'), false)).toBe(true)
    expect(isSoftwareAdapter(info('microsoft', '', 'Microsoft Basic Render Driver'), false)).toBe(true)
    expect(isSoftwareAdapter(info('nvidia', 'NVIDIA H200', 'NVIDIA: 550.54'), true)).toBe(true)
    expect(isSoftwareAdapter(info('nvidia', 'NVIDIA H200', 'NVIDIA: 550.54'), false)).toBe(false)
    expect(isSoftwareAdapter(info('apple', 'Apple M2', 'Metal driver on macOS'), false)).toBe(false)
    expect(isSoftwareAdapter(info('intel', 'Intel(R) Arc(TM) Graphics', 'Intel open-source Mesa driver'), false)).toBe(false)
  })

  it('takes a software adapter only when WORKBENCH_WEBGPU_ADAPTER=software', () => {
    expect(softwareAdapterAllowed({})).toBe(false)
    expect(softwareAdapterAllowed({ WORKBENCH_WEBGPU_ADAPTER: 'hardware' })).toBe(false)
    expect(softwareAdapterAllowed({ WORKBENCH_WEBGPU_ADAPTER: ' Software ' })).toBe(true)
  })

  it('without the setting, this machine gives a hardware adapter or a one-line reason, never a software adapter', async () => {
    delete process.env.WORKBENCH_WEBGPU_ADAPTER
    const result = await acquireAdapter().catch((error: unknown) => error as Error)
    if (result instanceof Error) {
      expect(result.message).toMatch(/^(no GPU device node|only a software adapter is available|no WebGPU adapter from)/)
      expect(result.message).not.toContain('\n')
    } else {
      expect(result.info.software).toBe(false)
    }
  })
})

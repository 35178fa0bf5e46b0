// Which adapters compute on the CPU: no Node API here, since the GPU engine page (Chromium's WebGPU)
// applies the same rule as the engine's Dawn path.
import type { WebGpuAdapterInfo } from '@shared/domain/system'

/** CPU rasterisers Dawn or Chromium can be handed: Mesa's llvmpipe/lavapipe/softpipe, SwiftShader, WARP. */
export function isSoftwareAdapter(
  info: Pick<WebGpuAdapterInfo, 'vendor' | 'device' | 'description'> & { architecture?: string },
  fallback: boolean,
): boolean {
  if (fallback) return true
  // Chromium reports SwiftShader only as the architecture, with device and description empty.
  const text = `${info.vendor} ${info.architecture ?? ''} ${info.device} ${info.description}`.toLowerCase()
  return /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/.test(text)
}

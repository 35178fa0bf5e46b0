// Whether the webgpu backend can start here. Without a GPU the tests use a software adapter (Mesa's
// llvmpipe through Dawn's OpenGL ES backend, from Debian's libegl-mesa0 / libgl1-mesa-dri / libgles2):
// they skip with the reason on a machine without one, and fail under CI, where .ci/run installs them.
import { webGpuReport } from '../../../src-main/engine/backend'

// A software adapter is what these tests have; the engine never takes one unless told to.
process.env.WORKBENCH_WEBGPU_ADAPTER ??= 'software'

const report = await webGpuReport()

/** Why no WebGPU adapter can be created here, or null when one can. */
export const webGpuSkipReason: string | null = report.adapter ? null : `no WebGPU adapter: ${report.reason ?? 'unknown'}`
/** Run the webgpu tests: an adapter is here, or CI requires one (then a missing one fails). */
export const runWebGpuTests = webGpuSkipReason === null || Boolean(process.env.CI)

if (!runWebGpuTests) console.warn(`webgpu tests skipped: ${webGpuSkipReason}`)

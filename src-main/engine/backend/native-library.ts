// What stands behind a native backend: the tfjs-node package, its built binding and the libtensorflow
// it links (version, file, and whether tfjs-node's own install downloaded it or scripts/native-install
// took it from a PyPI wheel), plus, for the GPU build, each CUDA piece it needs before it can load.
import { execFile } from 'node:child_process'
import { existsSync, readFileSync, realpathSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { z } from 'zod'
import type { LibTensorflowInfo } from '@shared/domain/system'

const require = createRequire(import.meta.url)

/** Written by scripts/native-install.mjs into the package's deps/ (keep the two in sync). */
export const NATIVE_STAMP_FILE = 'cifar-workbench-native.json'
const NativeStamp = z.object({ wheel: z.string(), source: z.string(), cudaWheels: z.array(z.string()).default([]) })

/** The package folder of an installed npm package, or null when it is not installed. */
export function packageDir(pkg: string): string | null {
  try {
    return dirname(require.resolve(`${pkg}/package.json`))
  } catch {
    return null
  }
}

/** Where node-pre-gyp (what tfjs-node's index.js uses) looks for the built binding. */
export function bindingPath(dir: string): string | null {
  try {
    const preGyp = createRequire(join(dir, 'package.json'))('@mapbox/node-pre-gyp') as { find(file: string): string }
    return preGyp.find(join(dir, 'package.json'))
  } catch {
    return null
  }
}

function readStamp(dir: string): z.infer<typeof NativeStamp> | null {
  const file = join(dir, 'deps', NATIVE_STAMP_FILE)
  if (!existsSync(file)) return null
  const parsed = NativeStamp.safeParse(JSON.parse(readFileSync(file, 'utf8')))
  return parsed.success ? parsed.data : null
}

/** The library file the binding links (deps/lib/libtensorflow.so), resolved through its symlinks. */
function libraryFile(dir: string): string | null {
  const link = join(dir, 'deps', 'lib', 'libtensorflow.so')
  if (!existsSync(link)) return null
  const target = realpathSync(link)
  // Report the path inside deps/lib (the hard-linked cache copy has the same bytes, not a better name).
  return join(dirname(link), target.split('/').pop() ?? 'libtensorflow.so')
}

/** Describes the libtensorflow of an installed package; `version` comes from the loaded binding. */
export function libTensorflowInfo(pkg: string, version: string | null): LibTensorflowInfo | null {
  const dir = packageDir(pkg)
  if (!dir) return null
  const stamp = readStamp(dir)
  return {
    package: pkg,
    version,
    path: libraryFile(dir),
    source: stamp
      ? `${stamp.source} (npm run native:install${stamp.cudaWheels.length > 0 ? ' -- --gpu' : ''})`
      : 'downloaded by tfjs-node’s install (storage.googleapis.com)',
  }
}

/**
 * The shared libraries TensorFlow 2.21's GPU build dlopens (CUDA 12, cuDNN 9). Without any one of
 * them TensorFlow quietly registers no GPU and runs on the CPU, so they are checked before loading.
 */
export const CUDA_LIBRARIES = [
  'libcudart.so.12',
  'libcublas.so.12',
  'libcublasLt.so.12',
  'libcufft.so.11',
  'libcurand.so.10',
  'libcusolver.so.11',
  'libcusparse.so.12',
  'libnvJitLink.so.12',
  'libcudnn.so.9',
] as const

let systemLibsPromise: Promise<Set<string>> | null = null

/** Library names the system loader knows (ldconfig's cache), plus files in LD_LIBRARY_PATH. */
function systemLibraries(): Promise<Set<string>> {
  systemLibsPromise ??= new Promise((resolve) => {
    execFile('ldconfig', ['-p'], { timeout: 5000 }, (error, stdout) => {
      const names = new Set<string>()
      if (!error) for (const line of stdout.split('\n')) names.add(line.trim().split(/\s+/)[0] ?? '')
      resolve(names)
    })
  })
  return systemLibsPromise
}

/** CUDA libraries found neither beside libtensorflow (deps/lib), nor on LD_LIBRARY_PATH, nor by ldconfig. */
export async function missingCudaLibraries(pkgDir: string, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const dirs = [join(pkgDir, 'deps', 'lib'), ...(env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)]
  const known = await systemLibraries()
  return CUDA_LIBRARIES.filter((lib) => !known.has(lib) && !dirs.some((dir) => existsSync(join(dir, lib))))
}

/** The driver's own library, which no wheel carries: it comes with the NVIDIA driver. */
export const CUDA_DRIVER_LIBRARY = 'libcuda.so.1'

/** Whether the loader can find the driver library (ldconfig's cache or LD_LIBRARY_PATH). */
export async function hasCudaDriverLibrary(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean)
  return (await systemLibraries()).has(CUDA_DRIVER_LIBRARY) || dirs.some((dir) => existsSync(join(dir, CUDA_DRIVER_LIBRARY)))
}

let computeCapabilityPromise: Promise<string | null> | null = null

/** The first GPU's compute capability ("8.0") via nvidia-smi, or null when it cannot say. */
export function gpuComputeCapability(): Promise<string | null> {
  computeCapabilityPromise ??= new Promise((resolve) => {
    execFile('nvidia-smi', ['--query-gpu=compute_cap', '--format=csv,noheader'], { timeout: 5000 }, (error, stdout) => {
      const first = error
        ? undefined
        : stdout
            .split('\n')
            .map((l) => l.trim())
            .find((l) => /^\d+\.\d+$/.test(l))
      resolve(first ?? null)
    })
  })
  return computeCapabilityPromise
}

/** TensorFlow 2.21's pip build has kernels for compute capability 6.0 and newer (sm_60 … compute_90). */
export const MIN_COMPUTE_CAPABILITY = 6.0

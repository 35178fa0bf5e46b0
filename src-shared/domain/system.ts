import { z } from 'zod'
import { BackendName } from './config'

export const BackendProbe = z.object({
  name: BackendName,
  available: z.boolean(),
  /** Why it was skipped (one line), or null when it is usable. */
  reason: z.string().nullable(),
})
export type BackendProbe = z.infer<typeof BackendProbe>

/** The native TensorFlow library a tfjs-node package loaded, and where it came from. */
export const LibTensorflowInfo = z.object({
  package: z.string(),
  /** TF_Version() of the loaded library, or null when the binding did not load. */
  version: z.string().nullable(),
  path: z.string().nullable(),
  /** "PyPI wheel …" (npm run native:install) or tfjs-node's own download. */
  source: z.string(),
})
export type LibTensorflowInfo = z.infer<typeof LibTensorflowInfo>

/** The WebGPU adapter the webgpu backend computes on (Dawn's Node bindings). */
export const WebGpuAdapterInfo = z.object({
  vendor: z.string(),
  architecture: z.string(),
  device: z.string(),
  description: z.string(),
  /** A CPU rasteriser (llvmpipe, SwiftShader, WARP): used only when WORKBENCH_WEBGPU_ADAPTER=software. */
  software: z.boolean(),
  /** Dawn's backend API asked for: "default" (Vulkan, Metal or Direct3D 12) or "opengles". */
  api: z.string(),
  featureLevel: z.enum(['core', 'compatibility']),
  limits: z.object({
    maxBufferSize: z.number(),
    maxStorageBufferBindingSize: z.number(),
    maxStorageBuffersPerShaderStage: z.number(),
    maxComputeWorkgroupStorageSize: z.number(),
    maxComputeInvocationsPerWorkgroup: z.number(),
    maxComputeWorkgroupsPerDimension: z.number(),
  }),
})
export type WebGpuAdapterInfo = z.infer<typeof WebGpuAdapterInfo>

/** The adapter found for the webgpu backend, or why there is none (one line). */
export const WebGpuReport = z.object({
  adapter: WebGpuAdapterInfo.nullable(),
  reason: z.string().nullable(),
})
export type WebGpuReport = z.infer<typeof WebGpuReport>

export const DoctorReport = z.object({
  appVersion: z.string(),
  /** The backend the engine will use. */
  backend: BackendName,
  /** Was it forced by a setting or --backend? */
  forced: z.boolean(),
  backends: z.array(BackendProbe),
  threads: z.number().int().min(1),
  simd: z.boolean(),
  tfjsVersion: z.string(),
  /** The libtensorflow loaded by a native backend package, or null when none loaded. */
  libtensorflow: LibTensorflowInfo.nullable().default(null),
  cpuModel: z.string(),
  cpuCount: z.number().int(),
  gpuName: z.string().nullable(),
  /** The WebGPU adapter (or why there is none); null from an older app that did not report it. */
  webgpu: WebGpuReport.nullable().default(null),
  platform: z.string(),
  nodeVersion: z.string(),
  electronVersion: z.string().nullable(),
  sqliteVersion: z.string().nullable(),
  dataDir: z.string(),
  shell: z.enum(['electron', 'browser', 'cli']),
})
export type DoctorReport = z.infer<typeof DoctorReport>

export const Locale = z.enum(['en', 'es'])
export type Locale = z.infer<typeof Locale>

/**
 * The preset's MobileNetV2 fine-tuning activations for all 60,000 CIFAR-10 images at 96 px
 * (block_15_add, 3×3×160 float32: about 345 MB) fit; at 160 px (5×5×160: about 960 MB) part is read from disk.
 */
export const DEFAULT_CACHE_MEMORY_MB = 512

export const Settings = z.object({
  backend: BackendName.nullable().default(null),
  threads: z.number().int().min(1).max(64).nullable().default(null),
  locale: Locale.nullable().default(null),
  theme: z.enum(['system', 'light', 'dark']).default('system'),
  /**
   * Most MB of cached base outputs (the frozen base's features, fine-tuning's activations) a run
   * holds in memory; the rest is read from the cache files on disk batch by batch.
   */
  cacheMemoryMb: z.number().min(0).max(1_048_576).default(DEFAULT_CACHE_MEMORY_MB),
})
export type Settings = z.infer<typeof Settings>

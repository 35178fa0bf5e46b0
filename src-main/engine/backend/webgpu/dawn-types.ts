// The part of the WebGPU API the engine itself touches (tfjs' backend drives the rest), typed here
// so the engine does not depend on the DOM typings.

export interface DawnAdapterInfo {
  vendor?: string
  architecture?: string
  device?: string
  description?: string
  isFallbackAdapter?: boolean
}

export interface DawnDeviceLostInfo {
  reason: string
  message: string
}

export interface DawnError {
  message: string
  constructor: { name: string }
}

export interface DawnDevice {
  lost: Promise<DawnDeviceLostInfo>
  addEventListener(type: 'uncapturederror', listener: (event: { error: DawnError }) => void): void
  pushErrorScope(filter: 'validation' | 'out-of-memory' | 'internal'): void
  popErrorScope(): Promise<DawnError | null>
  createBuffer(descriptor: { size: number; usage: number; mappedAtCreation?: boolean }): { destroy(): void }
  destroy(): void
}

export interface DawnAdapter {
  info: DawnAdapterInfo
  isFallbackAdapter?: boolean
  limits: Record<string, number | undefined>
  features: ReadonlySet<string>
  requestDevice(descriptor?: { requiredLimits?: Record<string, number>; requiredFeatures?: string[] }): Promise<DawnDevice>
}

export interface DawnGpu {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power'
    featureLevel?: string
  }): Promise<DawnAdapter | null>
}

export interface DawnModule {
  create(options: string[]): DawnGpu
  globals: object
}

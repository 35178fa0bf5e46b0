// Loads the SIMD kernels of kernels.c into the running tfjs-backend-wasm: the module imports the
// backend's own WebAssembly.Memory (shared in the multi-threaded build, plain otherwise), so its
// functions work on tensors where they lie. One instance per backend memory.
import type * as tf from '../../../tf'
import { KERNELS_WASM_PLAIN, KERNELS_WASM_SHARED } from './kernels-wasm'
import type { DepthwiseDims, PadPlan } from './plans'

// The WebAssembly JS API as far as this file uses it (the project's lib is ES2023 + Node, which
// declare none of it).
interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer
}
declare const WebAssembly: {
  Memory: abstract new (...args: never[]) => WasmMemory
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: { env: { memory: WasmMemory } }) => { exports: unknown }
}

export interface NativeKernels {
  max_pool_grad(
    x: number,
    dy: number,
    dx: number,
    batch: number,
    h: number,
    w: number,
    c: number,
    ho: number,
    wo: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
  ): void
  sum_rows(x: number, out: number, rows: number, cols: number, partial: number, acc: number): void
  transpose(
    x: number,
    y: number,
    n0: number,
    n1: number,
    n2: number,
    n3: number,
    xs0: number,
    xs1: number,
    xs2: number,
    xs3: number,
    ys0: number,
    ys1: number,
    ys2: number,
  ): void
  pad(x: number, y: number, ...dimsPadsValue: [...PadPlan['n'], ...PadPlan['pads'], number]): void
  depthwise_filter_grad(x: number, dy: number, dw: number, ...dims: DepthwiseDims): void
  depthwise_input_grad(dy: number, filter: number, dx: number, ...dims: DepthwiseDims): void
  conv2d_filter_grad(
    x: number,
    dy: number,
    dw: number,
    batch: number,
    h: number,
    w: number,
    ci: number,
    ho: number,
    wo: number,
    co: number,
    kh: number,
    kw: number,
    sh: number,
    sw: number,
    top: number,
    left: number,
    chunk: number,
    offsets: number,
  ): void
  relu_grad(dy: number, x: number, out: number, n: number, cap: number): void
  adam(
    value: number,
    m: number,
    v: number,
    g: number,
    valueOut: number,
    mOut: number,
    vOut: number,
    n: number,
    negLr: number,
    b1: number,
    oneMinusB1: number,
    b2: number,
    oneMinusB2: number,
    eps: number,
    c1: number,
    c2: number,
  ): void
}

/** The parts of tfjs-backend-wasm's BackendWasm and its Emscripten module the kernels use. */
interface WasmBackendInternals {
  wasm: {
    wasmMemory?: WasmMemory
    asm?: { memory?: WasmMemory }
    _malloc(bytes: number): number
    _free(pointer: number): void
  }
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined }
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo
}

const compiled = new Map<'plain' | 'shared', object>()
const instances = new WeakMap<WasmMemory, NativeKernels>()

function moduleFor(kind: 'plain' | 'shared'): object {
  const cached = compiled.get(kind)
  if (cached) return cached
  const module = new WebAssembly.Module(Buffer.from(kind === 'shared' ? KERNELS_WASM_SHARED : KERNELS_WASM_PLAIN, 'base64'))
  compiled.set(kind, module)
  return module
}

function internals(backend: tf.KernelBackend, kernel: string): WasmBackendInternals {
  const b = backend as unknown as Partial<WasmBackendInternals>
  if (typeof b.makeOutput !== 'function' || !b.wasm || !b.dataIdMap) {
    throw new Error(`${kernel}: the active backend is not tfjs-backend-wasm`)
  }
  return b as WasmBackendInternals
}

/** A tfjs-backend-wasm backend, seen through the parts the native kernels need. */
export class NativeBackend {
  private readonly backend: WasmBackendInternals
  readonly kernels: NativeKernels

  constructor(backend: tf.KernelBackend, kernel: string) {
    this.backend = internals(backend, kernel)
    const memory = this.backend.wasm.wasmMemory ?? this.backend.wasm.asm?.memory
    if (!(memory instanceof WebAssembly.Memory)) throw new Error(`${kernel}: tfjs-backend-wasm's memory is not reachable`)
    let kernels = instances.get(memory)
    if (!kernels) {
      const shared = memory.buffer instanceof SharedArrayBuffer
      try {
        const instance = new WebAssembly.Instance(moduleFor(shared ? 'shared' : 'plain'), { env: { memory } })
        kernels = instance.exports as NativeKernels
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error)
        throw new Error(
          `${kernel}: the SIMD kernels module could not load into tfjs-backend-wasm's ${shared ? 'shared ' : ''}memory: ${reason}`,
          { cause: error },
        )
      }
      instances.set(memory, kernels)
    }
    this.kernels = kernels
  }

  /** Byte offset of a tensor's data in the heap. */
  pointer(info: tf.TensorInfo): number {
    const data = this.backend.dataIdMap.get(info.dataId)
    if (!data) throw new Error('tensor data is not on the wasm backend')
    return data.memoryOffset
  }

  output(shape: number[], dtype: 'float32' | 'int32' = 'float32'): tf.TensorInfo {
    return this.backend.makeOutput(shape, dtype)
  }

  /** Runs `fn` with `bytes` of 16-byte aligned scratch memory on the heap, freed afterwards. */
  withScratch<T>(bytes: number, fn: (pointer: number) => T): T {
    const raw = this.backend.wasm._malloc(bytes + 16)
    if (raw === 0) throw new Error(`out of wasm memory allocating ${bytes} bytes of scratch`)
    try {
      return fn((raw + 15) & ~15)
    } finally {
      this.backend.wasm._free(raw)
    }
  }
}

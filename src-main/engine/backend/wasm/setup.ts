// Sets up tfjs' WebAssembly backend in Node: binaries from node_modules (no CDN offline), the SIMD
// build, and the multi-threaded SIMD build when more than one thread is wanted.
//
// tfjs-backend-wasm 4.22 turns threads off in Node (WASM_HAS_MULTITHREAD_SUPPORT is false there)
// because Emscripten starts its pthread workers from a `blob:` URL, which Node's worker_threads
// refuse (ERR_WORKER_PATH), and hands them the module factory as a Blob they cannot import. Here
// the flag is set, and the global Worker constructor Emscripten picks up is wrapped so a `blob:`
// worker is started from the package's own worker source (eval) and told to load the standalone
// module script from node_modules instead of the Blob. The result is always checked: the backend
// must come up as 'wasm' with the thread count asked for, otherwise it restarts single-threaded and
// says why.
import { createRequire } from 'node:module'
import os, { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads'
import * as wasmBackend from '@tensorflow/tfjs-backend-wasm'
import * as tf from '../../tf'

export interface WasmSetup {
  /** Threads XNNPACK computes with, as the backend reports after initialisation. */
  threads: number
  simd: boolean
  /** True when the threaded SIMD build is running. */
  multithreaded: boolean
  /** Why fewer threads than asked for are used (null when none are missing). */
  fallbackReason: string | null
}

const INIT_TIMEOUT_MS = 30_000

let done: { key: string; setup: WasmSetup } | null = null
let workerHookInstalled = false

/**
 * Where tfjs-backend-wasm's files are when they are not in node_modules (a self-contained bundle, see
 * bench/device): a folder laid out like the package, with dist/*.wasm and wasm-out/*.js.
 */
export const WASM_DIR_ENV = 'WORKBENCH_TFJS_WASM_DIR'

/** The folder the wasm binaries and the pthread worker scripts are read from. */
export function wasmPackageDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env[WASM_DIR_ENV]?.trim()
  if (fromEnv) return fromEnv
  const require = createRequire(import.meta.url)
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))
}

/** Threads to use by default: one per core the OS gives this process (2 on a 2-vCPU machine). */
export function defaultWasmThreads(): number {
  return Math.max(1, availableParallelism())
}

/**
 * Makes `new Worker('blob:…')` from Emscripten's pthread pool work under Node: the worker runs the
 * package's worker source, and its 'load' message names the standalone module script on disk.
 */
function installWorkerHook(dir: string): void {
  if (workerHookInstalled) return
  const require = createRequire(import.meta.url)
  const exported = (
    require(join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as {
      wasmWorkerContents?: unknown
    }
  ).wasmWorkerContents
  // The source sits in a template literal, so its "\n" escapes arrive as raw newlines (tfjs re-escapes
  // them the same way before making its Blob).
  const source = typeof exported === 'string' ? exported.replace(/\n/g, '\\n') : null
  if (source === null || !source.includes('urlOrBlob')) {
    throw new Error('tfjs-backend-wasm worker source has an unexpected shape')
  }
  const workerSource: string = source
  const moduleScript = join(dir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js')
  class PthreadWorker extends NodeWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      if (typeof url === 'string' && url.startsWith('blob:')) super(workerSource, { ...options, eval: true })
      else super(url, options)
      this.unref()
    }
    // Emscripten refs a worker while a pthread runs on it; XNNPACK's pool threads run for the life
    // of the process, so refs would keep Node from ever exiting. The main thread waits for them
    // synchronously inside wasm calls, so the event loop never needs them alive.
    override ref(): void {}
    override postMessage(message: unknown, transfer?: Parameters<NodeWorker['postMessage']>[1]): void {
      const load = message as { cmd?: unknown; urlOrBlob?: unknown } | null
      if (load && load.cmd === 'load' && typeof load.urlOrBlob !== 'string') {
        message = { ...load, urlOrBlob: moduleScript }
      }
      super.postMessage(message, transfer)
    }
  }
  // Emscripten assigns `global.Worker = require('worker_threads').Worker` each time its factory
  // runs; keep returning the wrapper (it behaves like the original for anything but blob: URLs).
  Object.defineProperty(globalThis, 'Worker', {
    configurable: true,
    get: () => PthreadWorker,
    set: () => {},
  })
  workerHookInstalled = true
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s`)), ms)
    timer.unref()
    promise.then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}

/**
 * Starts the wasm backend with the given threads; returns what it came up with. A backend already
 * running is disposed and its registration renewed first, so the thread count can change.
 */
async function start(threads: number): Promise<{ threads: number; simd: boolean }> {
  const engine = tf.engine()
  const registration = engine.registryFactory['wasm']
  if (registration === undefined) throw new Error('the wasm backend is not registered with tfjs')
  if (engine.registry['wasm'] !== undefined) {
    tf.removeBackend('wasm')
    tf.registerBackend('wasm', registration.factory, registration.priority)
  }
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', threads > 1)
  wasmBackend.setThreadsCount(threads)
  const previous = engine.backendName
  // XNNPACK's thread pool is capped at half of emscripten_num_logical_cores(), which Emscripten reads
  // from os.cpus() in Node; report enough cores while the backend starts so the cap is `threads`.
  const cpus = os.cpus
  const cores = cpus.call(os)
  if (threads > 1 && cores.length < 2 * threads) {
    os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cores[i % cores.length] as os.CpuInfo)
  }
  let ok: boolean
  try {
    ok = await withTimeout(tf.setBackend('wasm'), INIT_TIMEOUT_MS, 'wasm backend initialisation')
  } finally {
    os.cpus = cpus
  }
  if (!ok || tf.getBackend() !== 'wasm') {
    throw new Error(`tfjs reports backend "${tf.getBackend()}" after selecting "wasm"`)
  }
  const actual = wasmBackend.getThreadsCount()
  if (previous && previous !== 'wasm' && tf.findBackend(previous) !== null) await tf.setBackend(previous)
  return { threads: actual, simd: Boolean(simd) }
}

/**
 * Points the wasm backend at its binaries and initialises it with `threads` (null = one per core),
 * verifying that tfjs really runs 'wasm' afterwards. Leaves the previously active backend active.
 * Idempotent for the same thread count.
 */
export async function setupWasm(options: { threads?: number | null } = {}): Promise<WasmSetup> {
  const wanted = Math.max(1, Math.floor(options.threads ?? defaultWasmThreads()))
  const key = String(wanted)
  if (done?.key === key && tf.findBackend('wasm') !== null) return done.setup
  const dir = wasmPackageDir()
  wasmBackend.setWasmPaths(join(dir, 'dist') + '/')
  let setup: WasmSetup
  if (wanted > 1) {
    try {
      installWorkerHook(dir)
      const started = await start(wanted)
      setup = {
        ...started,
        multithreaded: true,
        fallbackReason: started.threads < wanted ? `XNNPACK started ${started.threads} of ${wanted} threads` : null,
      }
    } catch (error) {
      const reason = `multi-threaded wasm failed (${error instanceof Error ? error.message : String(error)}); using 1 thread`
      const started = await start(1)
      setup = { ...started, multithreaded: false, fallbackReason: reason }
    }
  } else {
    const started = await start(1)
    setup = { ...started, multithreaded: false, fallbackReason: null }
  }
  done = { key, setup }
  return setup
}

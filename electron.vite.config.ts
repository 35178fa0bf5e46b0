import { fileURLToPath } from 'node:url'
import { defineConfig } from 'electron-vite'
import vue from '@vitejs/plugin-vue'

const path = (p: string) => fileURLToPath(new URL(p, import.meta.url))
const alias = { '@shared': path('./src-shared') }

/** Native or wasm-loading packages stay in node_modules: they are loaded by Node at run time. */
const nativeDeps = ['better-sqlite3', /^@tensorflow\//, '@napi-rs/canvas', 'h5wasm', 'webgpu']

export default defineConfig({
  main: {
    resolve: { alias },
    build: {
      externalizeDeps: { include: ['better-sqlite3', '@napi-rs/canvas', 'h5wasm'] },
      rolldownOptions: {
        input: {
          index: path('./src-main/electron/main.ts'),
          'training-worker': path('./src-main/engine/training/worker.ts'),
          'reevaluate-worker': path('./src-main/engine/evaluation/reevaluate-worker.ts'),
          'inference-worker': path('./src-main/engine/inference/worker.ts'),
          'decode-worker': path('./src-main/data/decode-worker.ts'),
          'inspect-worker': path('./src-main/base-models/inspect-worker.ts'),
        },
        external: nativeDeps,
        output: { entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    resolve: { alias },
    build: {
      // Sandboxed preloads must be a single CommonJS file that requires nothing but 'electron'.
      externalizeDeps: false,
      rolldownOptions: {
        input: {
          index: path('./src-preload/index.ts'),
          // The GPU engine window's: it forwards one MessagePort and exposes nothing.
          'gpu-engine': path('./src-preload/gpu-engine.ts'),
        },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: path('./src-renderer'),
    resolve: { alias },
    plugins: [vue()],
    build: {
      outDir: path('./out/renderer'),
      rolldownOptions: {
        input: {
          index: path('./src-renderer/index.html'),
          // The hidden window that trains on Chromium's WebGPU in the desktop app (src-main/electron/gpu-engine.ts).
          'gpu-engine': path('./src-renderer/gpu-engine/index.html'),
        },
      },
    },
  },
})

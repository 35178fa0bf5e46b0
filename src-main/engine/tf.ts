// The one place the engine gets TensorFlow.js from: core ops + layers, with the pure-JS cpu backend
// always registered as the reference. Native and wasm backends are added by ./backend at run time.
import '@tensorflow/tfjs-backend-cpu'
import { env } from '@tensorflow/tfjs-core'

// Production mode only silences tfjs' console nags; the one that matters here ("install tfjs-node")
// is wrong whenever wasm runs, and the app reports the backend actually running itself.
env().set('PROD', true)

export * from '@tensorflow/tfjs-core'
export * from '@tensorflow/tfjs-layers'

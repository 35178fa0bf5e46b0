// The one place the engine gets TensorFlow.js from: core ops + layers, with the pure-JS cpu backend
// always registered as the reference. Native and wasm backends are added by ./backend at run time.
import '@tensorflow/tfjs-backend-cpu'
export * from '@tensorflow/tfjs-core'
export * from '@tensorflow/tfjs-layers'

// Training kernels for tfjs' wasm backend: tfjs-backend-wasm 4.22 has no weight gradients for
// convolutions and no input gradient for depthwise convolutions, so model.fit() fails on wasm, and
// some of its stock gradient kernels are scalar loops. Each one here is composed from XNNPACK-backed
// wasm kernels (see ./kernels/*) and tested against tfjs' cpu reference (tests/unit/kernels).
// Registers tfjs-backend-wasm and its stock kernels, which some of ours wrap.
import '@tensorflow/tfjs-backend-wasm'
import * as tf from '../../tf'
import { fusedAdamConfig } from './kernels/adam'
import { batchMatMulConfig } from './kernels/batch-mat-mul'
import { conv2dBackpropFilterConfig } from './kernels/conv2d-backprop-filter'
import { conv2dBackpropInputConfig } from './kernels/conv2d-backprop-input'
import { depthwiseConv2dNativeBackpropFilterConfig } from './kernels/depthwise-backprop-filter'
import { depthwiseConv2dNativeBackpropInputConfig } from './kernels/depthwise-backprop-input'
import { identityConfig } from './kernels/identity'
import { maxPoolGradConfig } from './kernels/max-pool-grad'
import { padConfig } from './kernels/pad'
import { reluGradConfig, reluGradients } from './kernels/relu-grad'
import { sumConfig } from './kernels/sum'
import { reverseConfig, transposeConfig } from './kernels/transpose'

/** Kernels wasm lacks entirely; training any conv net needs them. */
export const MISSING_KERNELS: readonly tf.KernelConfig[] = [
  conv2dBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
]

/**
 * Kernels of our own that tfjs has no name for: the fused Adam update (FusedAdamOptimizer) and the
 * fused ReLU/ReLU6 gradient (used by the gradients registered below).
 */
export const ADDED_KERNELS: readonly tf.KernelConfig[] = [fusedAdamConfig, reluGradConfig]

/**
 * Stock wasm kernels replaced because the composed version measures faster (see BENCHMARKS.md).
 * A function: the BatchMatMul replacement wraps the stock kernel, captured on first use.
 */
export function replacedKernels(): tf.KernelConfig[] {
  return [
    conv2dBackpropInputConfig,
    batchMatMulConfig(),
    maxPoolGradConfig,
    identityConfig(),
    sumConfig(),
    transposeConfig(),
    reverseConfig(),
    padConfig(),
  ]
}

/**
 * Registers the training kernels on the 'wasm' backend. Idempotent: a kernel already registered with
 * our implementation is left alone; a stock one we replace is unregistered first.
 * Returns the names it (re)registered in this call.
 */
export function registerWasmTrainingKernels(): string[] {
  const registered: string[] = []
  for (const config of [...MISSING_KERNELS, ...ADDED_KERNELS, ...replacedKernels()]) {
    const current = tf.getKernel(config.kernelName, 'wasm')
    if (current?.kernelFunc === config.kernelFunc) continue
    if (current !== undefined) tf.unregisterKernel(config.kernelName, 'wasm')
    tf.registerKernel(config)
    registered.push(config.kernelName)
  }
  // Gradients are global, not per backend: these fall back to tfjs' formulas off wasm.
  for (const config of reluGradients) {
    if (tf.getGradient(config.kernelName)?.gradFunc !== config.gradFunc) tf.registerGradient(config)
  }
  return registered
}

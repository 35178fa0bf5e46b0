import * as tf from '../tf'

/**
 * tfjs' ReLU layer with maxValue 6 (MobileNetV2's activation) runs Relu then ClipByValue, and its
 * gradient goes through Step, GreaterEqual, LessEqual, LogicalAnd and Select; tf.relu6 is one kernel
 * whose gradient is one mask. Both give min(max(x, 0), 6) and pass the gradient where 0 < x ≤ 6, so
 * swapping the layer's call keeps outputs and gradients bit-identical. The layer stays a ReLU (same
 * class, name and config), so an exported model loads anywhere.
 * Returns whether the layer was switched (only a plain ReLU capped at 6 is).
 */
export function useRelu6Kernel(layer: tf.layers.Layer): boolean {
  if (layer.getClassName() !== 'ReLU') return false
  const config = layer.getConfig() as { maxValue?: number | null }
  if (config.maxValue !== 6) return false
  layer.call = (inputs) => tf.relu6(Array.isArray(inputs) ? inputs[0]! : inputs)
  return true
}

import * as tf from '../../tf'

/** Building blocks of timm's models as stock tfjs layers, named after timm's module paths. */

export type Act = 'relu' | 'silu' | 'hard_swish' | 'hard_sigmoid' | 'sigmoid' | null

type T = tf.SymbolicTensor
const apply = (layer: tf.layers.Layer, x: T | T[]) => layer.apply(x) as T

export interface ConvSpec {
  filters: number
  kernel: number
  stride?: number
  /** Depthwise: one filter per input channel (PyTorch groups = channels). */
  depthwise?: boolean
  bias?: boolean
}

/**
 * A PyTorch conv with padding k//2 on every side (timm's default padding). TF's "same" pads a
 * stride-2 conv of an even input only at the bottom/right, so strided convs get an explicit
 * symmetric ZeroPadding2D and "valid"; stride 1 with an odd kernel is the same in both.
 */
export function conv(x: T, name: string, spec: ConvSpec): T {
  const stride = spec.stride ?? 1
  const pad = Math.floor(spec.kernel / 2)
  let padding: 'same' | 'valid' = 'same'
  if (stride > 1 && pad > 0) {
    x = apply(tf.layers.zeroPadding2d({ padding: pad, name: `${name}_pad` }), x)
    padding = 'valid'
  }
  const common = { kernelSize: spec.kernel, strides: stride, padding, useBias: spec.bias ?? false, name }
  const layer = spec.depthwise ? tf.layers.depthwiseConv2d(common) : tf.layers.conv2d({ ...common, filters: spec.filters })
  return apply(layer, x)
}

/** PyTorch BatchNorm2d (eps 1e-5; PyTorch's momentum 0.1 is Keras' 0.9). */
export function batchNorm(x: T, name: string): T {
  return apply(tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9, name }), x)
}

/**
 * An activation named `name`. PyTorch's hardsigmoid is relu6(x + 3) / 6 = clip(x / 6 + 1/2, 0, 1),
 * which differs from Keras' "hard_sigmoid" (0.2x + 0.5), so it is a Rescaling and a ReLU capped at
 * 1; hardswish is x times that. Only stock layers, so a model built here serialises like any other.
 */
export function activation(x: T, name: string, act: Act): T {
  switch (act) {
    case null:
      return x
    case 'relu':
      return apply(tf.layers.reLU({ name }), x)
    case 'silu':
      return apply(tf.layers.activation({ activation: 'swish', name }), x)
    case 'sigmoid':
      return apply(tf.layers.activation({ activation: 'sigmoid', name }), x)
    case 'hard_sigmoid':
      return hardSigmoid(x, name)
    case 'hard_swish':
      return apply(tf.layers.multiply({ name }), [x, hardSigmoid(x, `${name}.gate`)])
  }
}

function hardSigmoid(x: T, name: string): T {
  const scaled = apply(tf.layers.rescaling({ scale: 1 / 6, offset: 0.5, name: `${name}.scale` }), x)
  return apply(tf.layers.reLU({ maxValue: 1, name }), scaled)
}

/** timm's BatchNormAct2d: the BatchNorm `name` (its parameters) then its `act` submodule. */
export function batchNormAct(x: T, name: string, act: Act): T {
  return activation(batchNorm(x, name), `${name}.act`, act)
}

/** timm's SqueezeExcite: mean over H×W, conv_reduce, act1, conv_expand, gate, times the input. */
export function squeezeExcite(x: T, name: string, reduced: number, act: Act, gate: Act): T {
  const channels = x.shape[x.shape.length - 1] as number
  let s = apply(tf.layers.globalAveragePooling2d({ name: `${name}.mean` }), x)
  s = apply(tf.layers.reshape({ targetShape: [1, 1, channels], name: `${name}.keepdim` }), s)
  s = conv(s, `${name}.conv_reduce`, { filters: reduced, kernel: 1, bias: true })
  s = activation(s, `${name}.act1`, act)
  s = conv(s, `${name}.conv_expand`, { filters: channels, kernel: 1, bias: true })
  s = activation(s, `${name}.gate`, gate)
  return apply(tf.layers.multiply({ name }), [x, s])
}

export function add(a: T, b: T, name: string): T {
  return apply(tf.layers.add({ name }), [a, b])
}

export function channels(x: T): number {
  return x.shape[x.shape.length - 1] as number
}

/** timm's make_divisible (round to a multiple of 8, never below 90% of the value). */
export function makeDivisible(v: number, divisor = 8): number {
  let next = Math.max(divisor, Math.floor(v / divisor + 0.5) * divisor)
  if (next < 0.9 * v) next += divisor
  return next
}

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

/** Convolution outputs that already went through ReLU6 in the convolution itself. */
const activated = new WeakSet<tf.Tensor>()

/** The tfjs-layers internals of Conv2D / DepthwiseConv2D the fused call reads. */
interface ConvInternals {
  kernel?: tf.LayerVariable
  depthwiseKernel?: tf.LayerVariable
  bias?: tf.LayerVariable | null
  strides: [number, number]
  padding: string
  dilationRate?: number | [number, number]
}

interface GraphNode {
  outboundLayer: tf.layers.Layer
  inboundLayers: tf.layers.Layer[]
}

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0]! : inputs
}

/** True while a gradient tape records: a fused relu6 has no gradient in tfjs. */
function recording(): boolean {
  return (tf.engine().state as unknown as { gradientDepth: number }).gradientDepth > 0
}

/**
 * Lets a Conv2D or DepthwiseConv2D whose only consumer is `relu` (a ReLU6, switched to the Relu6
 * kernel here) apply the ReLU6 itself while no gradient tape records — predictions, the feature and
 * activation caches, evaluation: the convolution runs as tf.fused.conv2d / depthwiseConv2d with
 * activation relu6 (XNNPACK clamps in the same pass) and the ReLU layer passes the activated tensor
 * on. Under a tape, where tfjs has no gradient for a fused relu6, the same fused convolution runs
 * with a linear activation and the ReLU layer applies Relu6. The bias is added inside the
 * convolution either way (tfjs-layers' Conv2D already does; its DepthwiseConv2D adds it after),
 * so both modes give the same values bit for bit, and a cached prefix equals a recomputed one.
 * Returns whether the pair was fused.
 */
export function fuseRelu6IntoConv(conv: tf.layers.Layer, relu: tf.layers.Layer): boolean {
  const kind = conv.getClassName()
  if (kind !== 'Conv2D' && kind !== 'DepthwiseConv2D') return false
  const config = conv.getConfig() as { activation?: string; dataFormat?: string; depthMultiplier?: number }
  if (config.activation !== 'linear' || config.dataFormat === 'channelsFirst') return false
  const outbound = (conv as unknown as { outboundNodes: GraphNode[] }).outboundNodes
  const inbound = (relu as unknown as { inboundNodes: GraphNode[] }).inboundNodes
  if (outbound.length === 0 || outbound.some((node) => node.outboundLayer !== relu)) return false
  if (inbound.some((node) => node.inboundLayers.length !== 1 || node.inboundLayers[0] !== conv)) return false
  if (!useRelu6Kernel(relu)) return false

  const layer = conv as unknown as ConvInternals
  conv.call = (inputs) =>
    tf.tidy(() => {
      const fused = !recording()
      const x = single(inputs) as tf.Tensor4D
      const pad = layer.padding === 'same' ? 'same' : 'valid'
      const bias = layer.bias?.read() as tf.Tensor1D | undefined
      const activation = fused ? 'relu6' : 'linear'
      const out =
        kind === 'Conv2D'
          ? tf.fused.conv2d({
              x,
              filter: layer.kernel!.read() as tf.Tensor4D,
              strides: layer.strides,
              pad,
              dataFormat: 'NHWC',
              dilations: layer.dilationRate ?? 1,
              bias,
              activation,
            })
          : tf.fused.depthwiseConv2d({
              x,
              filter: layer.depthwiseKernel!.read() as tf.Tensor4D,
              strides: layer.strides,
              pad,
              dataFormat: 'NHWC',
              bias,
              activation,
            })
      if (fused) activated.add(out)
      return out
    })
  const reluCall = relu.call.bind(relu)
  // A new handle on the same data (Identity shares buffers): the graph executor may free the
  // convolution's output once its only consumer has run.
  relu.call = (inputs, kwargs) => (activated.has(single(inputs)) ? tf.clone(single(inputs)) : reluCall(inputs, kwargs))
  return true
}

/** Fuses every convolution -> ReLU6 pair among `layers` (see fuseRelu6IntoConv); returns how many. */
export function fuseRelu6Pairs(layers: tf.layers.Layer[]): number {
  let fused = 0
  for (const relu of layers) {
    if (relu.getClassName() !== 'ReLU') continue
    const inbound = (relu as unknown as { inboundNodes: GraphNode[] }).inboundNodes
    const conv = inbound[0]?.inboundLayers[0]
    if (conv !== undefined && fuseRelu6IntoConv(conv, relu)) fused++
  }
  return fused
}

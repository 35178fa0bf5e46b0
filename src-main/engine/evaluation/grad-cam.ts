import * as tf from '../tf'

export interface GradCamOptions {
  /** The class whose score is explained; default the predicted class. */
  classIndex?: number
  /** A layer with a spatial feature map; default the last convolutional layer. */
  layer?: string
  /** Side of the returned heatmap; default the model input's side. */
  size?: number
}

export interface GradCamResult {
  layer: string
  predicted: number
  classIndex: number
  probabilities: number[]
  /** Resolution of the layer's feature map, before upsampling. */
  layerSize: { width: number; height: number }
  width: number
  height: number
  /** Row-major heatmap in [0, 1] (1 = where the class score depends most on the features). */
  values: Float32Array
}

const CONV_LAYERS = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D'])

type Call = tf.layers.Layer['call']

/** Every layer whose output is a spatial feature map (rank 4 with height and width above 1). */
export function featureMapLayers(model: tf.LayersModel): string[] {
  return model.layers
    .filter((l) => {
      if (l.getClassName() === 'InputLayer') return false
      const shape = l.outputShape as (number | null)[]
      // null: a model with a free input size (a base as published); its maps are spatial too.
      const spatial = (d: number | null | undefined) => d === null || (d ?? 0) > 1
      return Array.isArray(shape) && shape.length === 4 && spatial(shape[1]) && spatial(shape[2])
    })
    .map((l) => l.name)
}

const BLOCK_TAIL = new Set(['BatchNormalization', 'Activation', 'ReLU'])

/**
 * Where Grad-CAM looks by default: the output of the last convolution's block, i.e. the last
 * convolution followed through the batch normalisation and activation layers that take only its
 * output (as Keras' example uses the activation after the last convolution). Before its ReLU a
 * map is mostly negative where the gradients vanish, which leaves an all-zero heatmap.
 */
export function lastConvLayer(model: tf.LayersModel): string {
  const maps = new Set(featureMapLayers(model))
  const layers = model.layers
  let at = layers.findLastIndex((l) => CONV_LAYERS.has(l.getClassName()) && maps.has(l.name))
  if (at < 0) throw new Error(`the model ${model.name} has no convolutional layer with a spatial output`)
  const consumers = (name: string) =>
    layers.filter((l) => l.inboundNodes.some((n) => n.inboundLayers.some((inbound) => inbound.name === name)))
  for (;;) {
    const next = consumers(layers[at]!.name)
    if (next.length !== 1 || !BLOCK_TAIL.has(next[0]!.getClassName())) break
    at = layers.indexOf(next[0]!)
  }
  return layers[at]!.name
}

/**
 * A classifier ending in a softmax Dense layer is explained through its logits (as Keras' Grad-CAM
 * example removes the last activation): a saturated softmax has zero gradients. Returns a call
 * that gives the logits, or null when the output layer is something else.
 */
function logitsCall(layer: tf.layers.Layer): Call | null {
  const config = layer.getConfig()
  if (layer.getClassName() !== 'Dense' || config.activation !== 'softmax') return null
  const [kernel, bias] = layer.weights
  if (!kernel) return null
  return (inputs) => {
    const x = Array.isArray(inputs) ? inputs[0]! : inputs
    const y = tf.matMul(x, kernel.read())
    return bias ? tf.add(y, bias.read()) : y
  }
}

/**
 * Grad-CAM (Selvaraju et al. 2017) of one prepared image: gradients of the class score with
 * respect to the layer's activation A, channel weights w_k = spatial mean of those gradients,
 * heatmap = ReLU(sum_k w_k A_k), scaled to [0, 1] and upsampled bilinearly to the input size.
 *
 * The gradient with respect to an inner activation comes from adding a zero tensor to the layer's
 * output and differentiating with respect to it, so any graph (residual blocks included) works
 * without cutting the model. The layers' calls are restored before returning.
 */
export function gradCam(model: tf.LayersModel, image: tf.Tensor3D | tf.Tensor4D, opts: GradCamOptions = {}): GradCamResult {
  const available = featureMapLayers(model)
  const layerName = opts.layer ?? lastConvLayer(model)
  if (!available.includes(layerName)) {
    throw new Error(`layer "${layerName}" is not a spatial feature map of the model; available: ${available.join(', ')}`)
  }
  const layer = model.getLayer(layerName)
  const outputLayer = model.outputLayers[0]!
  const inputShape = model.inputs[0]!.shape
  const size = opts.size ?? inputShape[1] ?? image.shape[image.rank - 3]!

  const layerCall = layer.call.bind(layer)
  const outputCall = outputLayer.call.bind(outputLayer)
  const logits = logitsCall(outputLayer)
  let delta: tf.Tensor | null = null
  // Set by the patched call; a holder object because TypeScript does not follow closures' writes.
  const captured: { activation: tf.Tensor | null } = { activation: null }
  layer.call = (inputs, kwargs) => {
    const out = layerCall(inputs, kwargs) as tf.Tensor
    captured.activation?.dispose()
    captured.activation = tf.keep(out.clone())
    return delta ? tf.add(out, delta) : out
  }
  if (logits) outputLayer.call = logits

  try {
    return tf.tidy(() => {
      const x = image.rank === 3 ? tf.expandDims<tf.Tensor4D>(image, 0) : (image as tf.Tensor4D)
      if (x.shape[0] !== 1) throw new Error(`Grad-CAM explains one image at a time (got a batch of ${x.shape[0]})`)
      const scores = model.apply(x, { training: false }) as tf.Tensor2D
      const numClasses = scores.shape[1]
      const probabilities = Array.from((logits ? tf.softmax(scores) : scores).dataSync())
      const predicted = probabilities.indexOf(Math.max(...probabilities))
      const classIndex = opts.classIndex ?? predicted
      if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= numClasses)
        throw new Error(`class index ${classIndex} is outside 0..${numClasses - 1}`)

      // The map's shape as this image gives it (a free-size model has no static one).
      const [, mapH, mapW, channels] = captured.activation!.shape as [number, number, number, number]
      const mask = tf.oneHot([classIndex], numClasses)
      const gradients = tf.grad((d: tf.Tensor) => {
        delta = d
        const out = model.apply(x, { training: false }) as tf.Tensor2D
        // A one-hot mask rather than gather: gather's gradient has no wasm kernel.
        return tf.sum(tf.mul(out, mask))
      })(tf.zeros([1, mapH, mapW, channels]))
      delta = null
      const a = captured.activation!
      const weights = tf.reshape(tf.mean(gradients, [1, 2]), [1, 1, 1, channels])
      const cam = tf.relu(tf.sum(tf.mul(a, weights), -1, true)) as tf.Tensor4D
      const peak = tf.max(cam).dataSync()[0]!
      const scaled = peak > 0 ? tf.div(cam, peak) : cam
      const up = size === mapH && size === mapW ? scaled : tf.image.resizeBilinear(scaled as tf.Tensor4D, [size, size])
      const values = Float32Array.from(tf.clipByValue(up, 0, 1).dataSync())
      return {
        layer: layerName,
        predicted,
        classIndex,
        probabilities,
        layerSize: { width: mapW, height: mapH },
        width: size,
        height: size,
        values,
      }
    })
  } finally {
    layer.call = layerCall
    outputLayer.call = outputCall
    captured.activation?.dispose()
  }
}

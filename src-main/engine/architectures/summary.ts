import * as tf from '../tf'
import type { LayerSummary, ModelSummary } from '@shared/index'
import { pinnedToInference } from './transfer'

type Shape = Array<number | null>

/** The runtime bookkeeping of a tfjs container that the summary needs (not in the public typings). */
interface ContainerInternals {
  containerNodes: Set<string>
}
interface NodeInternals {
  outputShapes: Shape | Shape[]
}

const FLOP_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D', 'Dense'])

function isNested(layer: tf.layers.Layer): layer is tf.LayersModel {
  return layer instanceof tf.LayersModel
}

/** The output shape of `layer` at the node that belongs to `model` (a shared layer has several nodes). */
function outputShapeIn(model: tf.LayersModel, layer: tf.layers.Layer): Shape {
  const nodes = (layer as unknown as { inboundNodes: NodeInternals[] }).inboundNodes
  const own = (model as unknown as ContainerInternals).containerNodes
  let node = nodes[0]
  for (let i = 0; i < nodes.length; i++) {
    if (own.has(`${layer.name}_ib-${i}`)) {
      node = nodes[i]
      break
    }
  }
  if (!node) return []
  const shapes = node.outputShapes
  const first = Array.isArray(shapes[0]) ? shapes[0] : (shapes as Shape)
  return [...first]
}

function product(values: Array<number | null>): number {
  return values.reduce<number>((acc, v) => acc * (v ?? 1), 1)
}

/** Multiply-adds ×2 of one image through a conv, depthwise conv or dense layer. */
function layerFlops(layer: tf.layers.Layer, outputShape: Shape): number {
  if (!FLOP_CLASSES.has(layer.getClassName())) return 0
  const kernel = layer.weights[0]
  if (!kernel) return 0
  // Kernel shapes: Conv2D [kh, kw, in, out], DepthwiseConv2D [kh, kw, in, multiplier], Dense [in, out];
  // each output element costs prod(kernel) / out multiply-adds for Conv2D/Dense, kh*kw for depthwise.
  const k = kernel.shape
  const outputs = product(outputShape.slice(1))
  const macsPerOutput =
    layer.getClassName() === 'DepthwiseConv2D' ? (k[0] ?? 1) * (k[1] ?? 1) : product(k) / (k[k.length - 1] ?? 1)
  return 2 * outputs * macsPerOutput
}

function collect(model: tf.LayersModel, rows: LayerSummary[], flops: { total: number }, outer: boolean): void {
  for (const layer of model.layers) {
    if (isNested(layer)) {
      collect(layer, rows, flops, false)
      continue
    }
    // A nested model's own input layer duplicates the outer tensor; Keras' expanded summary omits it too.
    if (!outer && layer.getClassName() === 'InputLayer') continue
    const outputShape = outputShapeIn(model, layer)
    flops.total += layerFlops(layer, outputShape)
    rows.push({
      name: layer.name,
      className: layer.getClassName(),
      outputShape,
      params: layer.countParams(),
      trainable: layer.trainable,
    })
  }
}

/**
 * A Keras-like `model.summary()`: one row per layer (nested models expanded), parameter totals,
 * estimated FLOPs per image and the float32 size of the weights.
 */
export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const rows: LayerSummary[] = []
  const flops = { total: 0 }
  collect(model, rows, flops, true)
  // Count each weight variable once (a shared layer appears once per model anyway).
  const seen = new Set<number>()
  let total = 0
  let trainable = 0
  for (const w of model.weights) {
    if (seen.has(w.id)) continue
    seen.add(w.id)
    const size = product(w.shape)
    total += size
    if (w.trainable) trainable += size
  }
  const pinned = countPinned(model)
  return {
    layers: rows,
    totalParams: total,
    trainableParams: trainable,
    nonTrainableParams: total - trainable,
    flopsPerImage: flops.total,
    sizeBytes: total * 4,
    ...(pinned > 0 ? { inferenceBatchNorm: pinned } : {}),
  }
}

function countPinned(model: tf.LayersModel): number {
  let count = 0
  for (const layer of model.layers) {
    if (isNested(layer)) count += countPinned(layer)
    else if (pinnedToInference(layer)) count++
  }
  return count
}

/** The summary as Keras prints it, for the CLI. */
export function formatSummary(summary: ModelSummary, title = 'Model'): string {
  const fmt = (n: number) => n.toLocaleString('en-US')
  const header = ['Layer (type)', 'Output Shape', 'Param #', 'Trainable']
  const body = summary.layers.map((l) => [
    `${l.name} (${l.className})`,
    `(${l.outputShape.map((d) => (d === null ? 'None' : String(d))).join(', ')})`,
    fmt(l.params),
    l.trainable ? 'Y' : 'N',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i]!.length)))
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ')
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 2, -2))
  const mb = (summary.sizeBytes / (1024 * 1024)).toFixed(2)
  return [
    `${title}`,
    rule,
    line(header),
    rule,
    ...body.map(line),
    rule,
    `Total params: ${fmt(summary.totalParams)} (${mb} MB)`,
    `Trainable params: ${fmt(summary.trainableParams)}`,
    `Non-trainable params: ${fmt(summary.nonTrainableParams)}`,
    `FLOPs per image: ${fmt(Math.round(summary.flopsPerImage))}`,
    ...(summary.inferenceBatchNorm
      ? [
          `BatchNorm in inference mode: the base's ${summary.inferenceBatchNorm} BatchNormalization layers keep their ` +
            'moving mean and variance, also when fine-tuning makes them trainable',
        ]
      : []),
  ].join('\n')
}

import type { GraphLayer, GraphWeight, ModelGraph } from './model-graph'
import { ProtoWriter } from './protobuf'

/** The opset every operator below is written for. */
export const ONNX_OPSET = 13
const IR_VERSION = 8
const FLOAT = 1
const INT64 = 7

type Attr = { name: string } & ({ i: number } | { f: number } | { ints: number[] } | { s: string })
interface OnnxNode {
  op: string
  name: string
  inputs: string[]
  outputs: string[]
  attrs: Attr[]
}
interface Initializer {
  name: string
  dims: number[]
  type: typeof FLOAT | typeof INT64
  raw: Uint8Array
}
/** A layer's output in the ONNX graph: 4-D feature maps are NCHW there, everything else as in Keras. */
interface Value {
  name: string
  nchw: boolean
}

export interface OnnxExportOptions {
  producerVersion: string
  /** Written to the model's metadata_props (how to feed it, class names, …). */
  metadata: Record<string, string>
  docString: string
}

function pair(value: unknown, what: string): [number, number] {
  const v = Array.isArray(value) ? value.map(Number) : [Number(value), Number(value)]
  if (v.length !== 2 || v.some((x) => !Number.isInteger(x) || x < 0))
    throw new Error(`${what} must be two non-negative integers, got ${JSON.stringify(value)}`)
  return [v[0]!, v[1]!]
}

/** TensorFlow's padding as explicit ONNX pads [top, left, bottom, right]: "same" puts the odd pixel at the end. */
function explicitPads(
  padding: unknown,
  input: number[],
  kernel: [number, number],
  strides: [number, number],
  dilations: [number, number],
): number[] {
  if (padding === 'valid') return [0, 0, 0, 0]
  if (padding !== 'same') throw new Error(`padding "${String(padding)}" cannot be exported`)
  const begin: number[] = []
  const end: number[] = []
  for (let d = 0; d < 2; d++) {
    const size = input[d]!
    const out = Math.ceil(size / strides[d]!)
    const total = Math.max((out - 1) * strides[d]! + (kernel[d]! - 1) * dilations[d]! + 1 - size, 0)
    begin.push(Math.floor(total / 2))
    end.push(total - Math.floor(total / 2))
  }
  return [...begin, ...end]
}

/** Reorders a row-major array of `shape` into the axis order `perm`. */
function transposeValues(values: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length
  const outShape = perm.map((p) => shape[p]!)
  const inStrides = new Array<number>(rank).fill(1)
  for (let i = rank - 2; i >= 0; i--) inStrides[i] = inStrides[i + 1]! * shape[i + 1]!
  const out = new Float32Array(values.length)
  const index = new Array<number>(rank).fill(0)
  for (let o = 0; o < out.length; o++) {
    let src = 0
    for (let a = 0; a < rank; a++) src += index[a]! * inStrides[perm[a]!]!
    out[o] = values[src]!
    for (let a = rank - 1; a >= 0; a--) {
      if (++index[a]! < outShape[a]!) break
      index[a] = 0
    }
  }
  return out
}

/** Builds the node list and initializers of one model; `encode` turns them into a ModelProto. */
class OnnxGraphBuilder {
  readonly nodes: OnnxNode[] = []
  readonly initializers: Initializer[] = []
  private readonly values = new Map<string, Value>()
  private readonly usedNames = new Set<string>()

  private unique(name: string): string {
    let candidate = name
    for (let i = 1; this.usedNames.has(candidate); i++) candidate = `${name}_${i}`
    this.usedNames.add(candidate)
    return candidate
  }

  node(op: string, name: string, inputs: string[], attrs: Attr[] = []): string {
    const output = this.unique(name)
    this.nodes.push({ op, name: output, inputs, outputs: [output], attrs })
    return output
  }

  floats(name: string, dims: number[], values: Float32Array): string {
    const unique = this.unique(name)
    this.initializers.push({
      name: unique,
      dims,
      type: FLOAT,
      raw: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
    })
    return unique
  }

  int64s(name: string, values: number[]): string {
    const unique = this.unique(name)
    const raw = new Uint8Array(values.length * 8)
    const view = new DataView(raw.buffer)
    values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true))
    this.initializers.push({ name: unique, dims: [values.length], type: INT64, raw })
    return unique
  }

  scalar(name: string, value: number): string {
    const unique = this.unique(name)
    this.initializers.push({ name: unique, dims: [], type: FLOAT, raw: new Uint8Array(Float32Array.of(value).buffer) })
    return unique
  }

  set(layer: string, value: Value): void {
    this.values.set(layer, value)
  }

  get(layer: string): Value {
    const value = this.values.get(layer)
    if (!value) throw new Error(`layer "${layer}" is used before it is defined`)
    return value
  }

  reserve(name: string): string {
    return this.unique(name)
  }

  /** The activation a layer applies after its main op. */
  activation(kind: unknown, input: Value, name: string): Value {
    switch (kind) {
      case undefined:
      case null:
      case 'linear':
        return input
      case 'relu':
        return { name: this.node('Relu', `${name}_relu`, [input.name]), nchw: input.nchw }
      case 'relu6':
        return { name: this.clip(input.name, 0, 6, `${name}_relu6`), nchw: input.nchw }
      case 'sigmoid':
        return { name: this.node('Sigmoid', `${name}_sigmoid`, [input.name]), nchw: input.nchw }
      case 'swish': {
        // Opset 13 has no Swish: x · sigmoid(x).
        const gate = this.node('Sigmoid', `${name}_swish_gate`, [input.name])
        return { name: this.node('Mul', `${name}_swish`, [input.name, gate]), nchw: input.nchw }
      }
      case 'tanh':
        return { name: this.node('Tanh', `${name}_tanh`, [input.name]), nchw: input.nchw }
      case 'softmax':
        // Keras' softmax runs over the last (channel) axis; in NCHW that is axis 1.
        return {
          name: this.node('Softmax', `${name}_softmax`, [input.name], [{ name: 'axis', i: input.nchw ? 1 : -1 }]),
          nchw: input.nchw,
        }
      default:
        throw new Error(`activation "${String(kind)}" of layer "${name}" cannot be exported to ONNX`)
    }
  }

  clip(input: string, min: number, max: number, name: string): string {
    return this.node('Clip', name, [input, this.scalar(`${name}_min`, min), this.scalar(`${name}_max`, max)])
  }
}

function weight(layer: GraphLayer, index: number): GraphWeight {
  const w = layer.weights[index]
  if (!w) throw new Error(`layer "${layer.name}" has no weight #${index}`)
  return w
}

/**
 * Keras' Reshape works on the channels-last order: a feature map goes back to NHWC first, and a 3-D
 * result returns to NCHW. A map of 1x1 pixels is laid out alike in both orders, so it skips the
 * transposes (the squeeze-excite path: [C] to [1, 1, C]).
 */
function reshape(b: OnnxGraphBuilder, layer: GraphLayer, x: Value): Value {
  const name = layer.name
  const inShape = layer.inputShapes[0]!
  const out = layer.outputShape
  const pixels = (shape: number[]) => (shape.length === 3 ? shape[0]! * shape[1]! : 1)
  if (out.length !== 1 && out.length !== 3)
    throw new Error(`layer "${name}" reshapes to rank ${out.length}; export supports 1 or 3`)
  const source =
    x.nchw && pixels(inShape) > 1
      ? b.node('Transpose', `${name}_to_nhwc`, [x.name], [{ name: 'perm', ints: [0, 2, 3, 1] }])
      : x.name
  if (out.length === 3 && pixels(out) === 1) {
    return { name: b.node('Reshape', name, [source, b.int64s(`${name}_shape`, [-1, out[2]!, 1, 1])]), nchw: true }
  }
  if (out.length === 1) return { name: b.node('Reshape', name, [source, b.int64s(`${name}_shape`, [-1, ...out])]), nchw: false }
  const nhwc = b.node('Reshape', `${name}_nhwc`, [source, b.int64s(`${name}_shape`, [-1, ...out])])
  return { name: b.node('Transpose', name, [nhwc], [{ name: 'perm', ints: [0, 3, 1, 2] }]), nchw: true }
}

function convert(b: OnnxGraphBuilder, layer: GraphLayer): void {
  const c = layer.config
  const inputs = layer.inbound.map((n) => b.get(n))
  const x = inputs[0]!
  const name = layer.name
  const set = (value: Value) => b.set(name, value)
  const requireNchw = () => {
    if (!x.nchw) throw new Error(`layer "${name}" (${layer.className}) needs a 4-D image tensor`)
    if (c.data_format !== undefined && c.data_format !== 'channels_last')
      throw new Error(`layer "${name}" uses data_format ${JSON.stringify(c.data_format)}; only channels_last is exported`)
  }
  switch (layer.className) {
    case 'Conv2D':
    case 'DepthwiseConv2D': {
      requireNchw()
      const depthwise = layer.className === 'DepthwiseConv2D'
      const kernel = pair(c.kernel_size, `${name}.kernel_size`)
      const strides = pair(c.strides ?? 1, `${name}.strides`)
      const dilations = pair(c.dilation_rate ?? 1, `${name}.dilation_rate`)
      const k = weight(layer, 0)
      const [kh, kw, cin, cout] = k.shape as [number, number, number, number]
      // HWIO → OIHW; a depthwise kernel [kh, kw, C, M] becomes C·M filters of one channel, output c·M + m.
      const w = depthwise
        ? b.floats(`${name}_W`, [cin * cout, 1, kh, kw], transposeValues(k.values, k.shape, [2, 3, 0, 1]))
        : b.floats(`${name}_W`, [cout, cin, kh, kw], transposeValues(k.values, k.shape, [3, 2, 0, 1]))
      const useBias = c.use_bias !== false
      const args = [
        x.name,
        w,
        ...(useBias ? [b.floats(`${name}_B`, [weight(layer, 1).values.length], weight(layer, 1).values)] : []),
      ]
      const out = b.node('Conv', name, args, [
        { name: 'kernel_shape', ints: kernel },
        { name: 'strides', ints: strides },
        { name: 'dilations', ints: dilations },
        { name: 'pads', ints: explicitPads(c.padding, layer.inputShapes[0]!, kernel, strides, dilations) },
        { name: 'group', i: depthwise ? cin : 1 },
      ])
      set(b.activation(c.activation, { name: out, nchw: true }, name))
      return
    }
    case 'Dense': {
      if (x.nchw || layer.inputShapes[0]!.length !== 1)
        throw new Error(`layer "${name}" (Dense) needs a flat input; put a Flatten or a global pooling before it`)
      const k = weight(layer, 0)
      const units = k.shape[1]!
      const args = [x.name, b.floats(`${name}_W`, k.shape, k.values)]
      args.push(
        c.use_bias !== false
          ? b.floats(`${name}_B`, [units], weight(layer, 1).values)
          : b.floats(`${name}_B`, [units], new Float32Array(units)),
      )
      set(b.activation(c.activation, { name: b.node('Gemm', name, args), nchw: false }, name))
      return
    }
    case 'Flatten': {
      if (!x.nchw) return set(x)
      // Keras flattens channels-last (H, W, C): back to NHWC first so the next Dense sees its order.
      const nhwc = b.node('Transpose', `${name}_to_nhwc`, [x.name], [{ name: 'perm', ints: [0, 2, 3, 1] }])
      set({ name: b.node('Flatten', name, [nhwc], [{ name: 'axis', i: 1 }]), nchw: false })
      return
    }
    case 'Dropout':
      return set(x)
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      requireNchw()
      const kernel = pair(c.pool_size, `${name}.pool_size`)
      const strides = pair(c.strides ?? c.pool_size, `${name}.strides`)
      const attrs: Attr[] = [
        { name: 'kernel_shape', ints: kernel },
        { name: 'strides', ints: strides },
        { name: 'pads', ints: explicitPads(c.padding, layer.inputShapes[0]!, kernel, strides, [1, 1]) },
      ]
      // TensorFlow averages over the pixels inside the image only.
      if (layer.className === 'AveragePooling2D') attrs.push({ name: 'count_include_pad', i: 0 })
      set({ name: b.node(layer.className === 'MaxPooling2D' ? 'MaxPool' : 'AveragePool', name, [x.name], attrs), nchw: true })
      return
    }
    case 'GlobalAveragePooling2D':
    case 'GlobalMaxPooling2D': {
      requireNchw()
      if (c.keepdims === true) throw new Error(`layer "${name}" keeps its pooled dimensions; export supports keepdims false`)
      const pooled = b.node(
        layer.className === 'GlobalAveragePooling2D' ? 'GlobalAveragePool' : 'GlobalMaxPool',
        `${name}_pool`,
        [x.name],
      )
      set({ name: b.node('Flatten', name, [pooled], [{ name: 'axis', i: 1 }]), nchw: false })
      return
    }
    case 'BatchNormalization': {
      const rank = layer.inputShapes[0]!.length + 1
      const axis = Number(c.axis ?? -1)
      if (axis !== -1 && axis !== rank - 1)
        throw new Error(`layer "${name}" normalises axis ${axis}; export supports the channel axis`)
      const channels = layer.inputShapes[0]![rank - 2]!
      const scale = c.scale !== false
      const center = c.center !== false
      let i = 0
      const gamma = scale ? weight(layer, i++).values : new Float32Array(channels).fill(1)
      const beta = center ? weight(layer, i++).values : new Float32Array(channels)
      const mean = weight(layer, i++).values
      const variance = weight(layer, i).values
      const args = [
        x.name,
        b.floats(`${name}_gamma`, [channels], gamma),
        b.floats(`${name}_beta`, [channels], beta),
        b.floats(`${name}_mean`, [channels], mean),
        b.floats(`${name}_var`, [channels], variance),
      ]
      set({ name: b.node('BatchNormalization', name, args, [{ name: 'epsilon', f: Number(c.epsilon ?? 1e-3) }]), nchw: x.nchw })
      return
    }
    case 'ReLU': {
      const slope = Number(c.negative_slope ?? 0)
      const threshold = Number(c.threshold ?? 0)
      if (slope !== 0 || threshold !== 0)
        throw new Error(`layer "${name}" (ReLU with negative_slope/threshold) cannot be exported to ONNX`)
      const max = c.max_value === null || c.max_value === undefined ? null : Number(c.max_value)
      set({ name: max === null ? b.node('Relu', name, [x.name]) : b.clip(x.name, 0, max, name), nchw: x.nchw })
      return
    }
    case 'Activation':
      return set(b.activation(c.activation, x, name))
    case 'ZeroPadding2D': {
      requireNchw()
      const p = c.padding
      const [[top, bottom], [left, right]] =
        Array.isArray(p) && Array.isArray(p[0])
          ? [pair(p[0], `${name}.padding`), pair(p[1], `${name}.padding`)]
          : Array.isArray(p)
            ? [
                [Number(p[0]), Number(p[0])],
                [Number(p[1]), Number(p[1])],
              ]
            : [
                [Number(p), Number(p)],
                [Number(p), Number(p)],
              ]
      const pads = b.int64s(`${name}_pads`, [0, 0, top, left, 0, 0, bottom, right])
      set({ name: b.node('Pad', name, [x.name, pads], [{ name: 'mode', s: 'constant' }]), nchw: true })
      return
    }
    case 'Add': {
      if (inputs.some((v) => v.nchw !== x.nchw)) throw new Error(`layer "${name}" adds tensors of different ranks`)
      set({
        name: b.node(
          inputs.length === 2 ? 'Add' : 'Sum',
          name,
          inputs.map((v) => v.name),
        ),
        nchw: x.nchw,
      })
      return
    }
    case 'Multiply': {
      if (inputs.some((v) => v.nchw !== x.nchw)) throw new Error(`layer "${name}" multiplies tensors of different ranks`)
      // Keras broadcasts [H, W, C] against [1, 1, C] as ONNX's Mul does against [C, 1, 1] in NCHW.
      const product = inputs
        .slice(1)
        .reduce((a, v, i) => b.node('Mul', i === inputs.length - 2 ? name : `${name}_${i}`, [a, v.name]), x.name)
      set({ name: product, nchw: x.nchw })
      return
    }
    case 'Rescaling': {
      const scaled = b.node('Mul', `${name}_scale`, [x.name, b.scalar(`${name}_scale_value`, Number(c.scale))])
      const offset = Number(c.offset ?? 0)
      set({ name: offset === 0 ? scaled : b.node('Add', name, [scaled, b.scalar(`${name}_offset`, offset)]), nchw: x.nchw })
      return
    }
    case 'Reshape':
      return set(reshape(b, layer, x))
    case 'Concatenate': {
      const rank = layer.outputShape.length + 1
      let axis = Number(c.axis ?? -1)
      if (axis < 0) axis += rank
      if (inputs.some((v) => v.nchw !== x.nchw)) throw new Error(`layer "${name}" concatenates tensors of different ranks`)
      // Keras' channel axis (last) is axis 1 in NCHW; the spatial axes move one to the right.
      const onnxAxis = x.nchw ? [0, 2, 3, 1][axis]! : axis
      set({
        name: b.node(
          'Concat',
          name,
          inputs.map((v) => v.name),
          [{ name: 'axis', i: onnxAxis }],
        ),
        nchw: x.nchw,
      })
      return
    }
    default:
      throw new Error(`layer "${name}" (${layer.className}) cannot be exported to ONNX`)
  }
}

function encodeAttr(w: ProtoWriter, attr: Attr): void {
  w.string(1, attr.name)
  if ('i' in attr) w.int(3, attr.i).int(20, 2)
  else if ('f' in attr) w.float(2, attr.f).int(20, 1)
  else if ('s' in attr) w.string(4, attr.s).int(20, 3)
  else {
    for (const v of attr.ints) w.int(8, v)
    w.int(20, 7)
  }
}

function encodeValueInfo(w: ProtoWriter, name: string, dims: Array<number | string>): void {
  w.string(1, name)
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT)
      tensor.message(2, (shape) => {
        for (const d of dims) shape.message(1, (dim) => (typeof d === 'string' ? dim.string(2, d) : dim.int(1, d)))
      })
    }),
  )
}

/**
 * A ModelProto (opset 13) computing what the Keras model computes. Input `input` is NHWC float32
 * [batch, H, W, C], as in Keras; it is transposed to NCHW once, every image op runs in NCHW, and
 * Flatten transposes back so Dense kernels keep Keras' channels-last order. Weights are stored
 * as raw little-endian initializers.
 */
export function exportOnnx(graph: ModelGraph, options: OnnxExportOptions): Uint8Array {
  const b = new OnnxGraphBuilder()
  const inputLayer = graph.layers.find((l) => l.name === graph.input)
  if (!inputLayer) throw new Error(`input layer "${graph.input}" not found`)
  const inputShape = inputLayer.outputShape
  b.reserve('input')
  if (inputShape.length === 3) {
    b.set(graph.input, {
      name: b.node('Transpose', 'input_to_nchw', ['input'], [{ name: 'perm', ints: [0, 3, 1, 2] }]),
      nchw: true,
    })
  } else {
    b.set(graph.input, { name: 'input', nchw: false })
  }
  for (const layer of graph.layers) {
    if (layer.name === graph.input) continue
    if (layer.className === 'InputLayer') throw new Error(`the model has a second input layer "${layer.name}"`)
    convert(b, layer)
  }
  const last = b.get(graph.output)
  const outputLayer = graph.layers.find((l) => l.name === graph.output)!
  const finalName = last.nchw
    ? b.node('Transpose', 'output', [last.name], [{ name: 'perm', ints: [0, 2, 3, 1] }])
    : b.node('Identity', 'output', [last.name])

  const w = new ProtoWriter()
  w.int(1, IR_VERSION)
  w.string(2, 'cifar-workbench')
  w.string(3, options.producerVersion)
  w.string(6, options.docString)
  w.message(7, (g) => {
    for (const node of b.nodes) {
      g.message(1, (n) => {
        for (const i of node.inputs) n.string(1, i)
        for (const o of node.outputs) n.string(2, o)
        n.string(3, node.name)
        n.string(4, node.op)
        for (const attr of node.attrs) n.message(5, (a) => encodeAttr(a, attr))
      })
    }
    g.string(2, graph.name)
    for (const init of b.initializers) {
      g.message(5, (t) => {
        for (const d of init.dims) t.int(1, d)
        t.int(2, init.type)
        t.string(8, init.name)
        t.bytes(9, init.raw)
      })
    }
    g.message(11, (v) => encodeValueInfo(v, 'input', ['batch', ...inputShape]))
    g.message(12, (v) => encodeValueInfo(v, finalName, ['batch', ...outputLayer.outputShape]))
  })
  w.message(8, (o) => o.string(1, '').int(2, ONNX_OPSET))
  for (const [key, value] of Object.entries(options.metadata)) w.message(14, (e) => e.string(1, key).string(2, value))
  return w.finish()
}

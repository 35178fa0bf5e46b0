import * as tf from '../../tf'
import type { SafetensorsFile } from './safetensors'

/** One tfjs weight and the PyTorch tensor it comes from, with the layout change between them. */
interface Mapping {
  tensor: string
  /** Permutation from the PyTorch layout to tfjs' (null: same layout). */
  perm: number[] | null
}

// Conv2d OIHW → Conv2D HWIO; a depthwise conv's [C, 1, kh, kw] → DepthwiseConv2D [kh, kw, C, 1];
// Linear [out, in] → Dense [in, out].
const OIHW_TO_HWIO = [2, 3, 1, 0]
const DEPTHWISE_TO_TFJS = [2, 3, 0, 1]
const LINEAR_TO_DENSE = [1, 0]

/** The PyTorch parameter names of a tfjs layer named after its module path, in tfjs' weight order. */
function mappingsOf(layer: tf.layers.Layer): Mapping[] {
  const n = layer.name
  const withBias = (perm: number[]) => [
    { tensor: `${n}.weight`, perm },
    ...(layer.weights.length > 1 ? [{ tensor: `${n}.bias`, perm: null }] : []),
  ]
  switch (layer.getClassName()) {
    case 'Conv2D':
      return withBias(OIHW_TO_HWIO)
    case 'DepthwiseConv2D':
      return withBias(DEPTHWISE_TO_TFJS)
    case 'Dense':
      return withBias(LINEAR_TO_DENSE)
    case 'BatchNormalization':
      return ['weight', 'bias', 'running_mean', 'running_var'].map((p) => ({ tensor: `${n}.${p}`, perm: null }))
    default:
      throw new Error(`layer "${n}" (${layer.getClassName()}) has weights but no PyTorch counterpart`)
  }
}

const fmt = (shape: readonly number[]) => `[${shape.join(', ')}]`

/**
 * The prefix every tensor name carries when the state_dict was saved from a wrapper: DataParallel's
 * `module.`, or a `model.` attribute. Empty when the names are the model's own.
 */
export function stateDictPrefix(names: readonly string[], probe: string): string {
  if (names.includes(probe)) return ''
  for (const prefix of ['module.', 'model.', 'module.model.']) if (names.includes(prefix + probe)) return prefix
  return ''
}

/**
 * Set a timm-named model's weights from a state_dict by parameter name: every layer with weights
 * must find each of its tensors with the shape PyTorch gives it; extra tensors (a classifier,
 * num_batches_tracked) are ignored. Everything is checked before anything is assigned.
 */
export function assignTorchWeights(model: tf.LayersModel, file: SafetensorsFile, prefix = ''): void {
  const plan: Array<[tf.layers.Layer, Array<{ values: Float32Array; shape: number[]; perm: number[] | null }>]> = []
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue
    const stored = mappingsOf(layer).map((m, i) => {
      const entry = file.tensors.get(prefix + m.tensor)
      if (!entry) throw new Error(`${file.file}: tensor "${prefix + m.tensor}" is missing (for layer "${layer.name}")`)
      const want = layer.weights[i]!.shape as number[]
      const expected = m.perm ? m.perm.map((_, k) => want[m.perm!.indexOf(k)]!) : want
      const same = entry.shape.length === expected.length && entry.shape.every((d, k) => d === expected[k])
      if (!same) {
        throw new Error(
          `${file.file}: tensor "${prefix + m.tensor}" has shape ${fmt(entry.shape)} but the model expects ${fmt(expected)}`,
        )
      }
      return { values: file.float32(prefix + m.tensor), shape: entry.shape, perm: m.perm }
    })
    plan.push([layer, stored])
  }
  for (const [layer, stored] of plan) {
    const tensors = stored.map((s) =>
      tf.tidy(() => {
        const t = tf.tensor(s.values, s.shape, 'float32')
        return s.perm ? tf.transpose(t, s.perm) : t
      }),
    )
    layer.setWeights(tensors)
    tf.dispose(tensors)
  }
}

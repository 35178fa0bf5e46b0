import { writeFileSync } from 'node:fs'
import * as tf from '../../../src-main/engine/tf'
import { randomValues } from './h5-fixtures'

export interface FixtureTensor {
  dtype: 'F32' | 'F16' | 'BF16' | 'I64'
  shape: number[]
  /** Raw little-endian bytes of the data. */
  data: Buffer
}

export function f32(values: ArrayLike<number>, shape: number[]): FixtureTensor {
  const data = Buffer.alloc(values.length * 4)
  for (let i = 0; i < values.length; i++) data.writeFloatLE(values[i]!, i * 4)
  return { dtype: 'F32', shape, data }
}

/** A safetensors file as the format describes it (header length, JSON header, packed data). */
export function safetensorsBytes(tensors: Record<string, FixtureTensor>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = metadata ? { __metadata__: metadata } : {}
  let offset = 0
  for (const [name, t] of Object.entries(tensors)) {
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.length] }
    offset += t.data.length
  }
  const json = Buffer.from(JSON.stringify(header))
  const length = Buffer.alloc(8)
  length.writeBigUInt64LE(BigInt(json.length))
  return Buffer.concat([length, json, ...Object.values(tensors).map((t) => t.data)])
}

// tfjs layout → PyTorch layout (the inverse of what the loader does).
const HWIO_TO_OIHW = [3, 2, 0, 1]
const DEPTHWISE_TO_TORCH = [2, 3, 0, 1]

/**
 * A PyTorch-style state_dict for a timm-named model, with seeded random values: what
 * `safetensors.torch.save_file(model.state_dict())` writes for the same architecture (conv weights
 * OIHW, BatchNorm weight/bias/running_mean/running_var plus num_batches_tracked as int64).
 * Returns the tensors and, per layer, the tfjs weights they stand for.
 */
export function timmStateDict(model: tf.LayersModel, seed: number): Record<string, FixtureTensor> {
  const tensors: Record<string, FixtureTensor> = {}
  let s = seed
  for (const layer of model.layers) {
    if (layer.weights.length === 0) continue
    const kind = layer.getClassName()
    if (kind === 'BatchNormalization') {
      const c = layer.weights[0]!.shape[0]!
      const noise = (scale: number) => randomValues(c, s++, scale)
      tensors[`${layer.name}.weight`] = f32(
        noise(0.5).map((v) => 1 + v),
        [c],
      )
      tensors[`${layer.name}.bias`] = f32(noise(0.1), [c])
      tensors[`${layer.name}.running_mean`] = f32(noise(0.1), [c])
      tensors[`${layer.name}.running_var`] = f32(
        noise(0.5).map((v) => 1 + v),
        [c],
      )
      tensors[`${layer.name}.num_batches_tracked`] = { dtype: 'I64', shape: [], data: Buffer.alloc(8) }
      continue
    }
    const perm = kind === 'DepthwiseConv2D' ? DEPTHWISE_TO_TORCH : HWIO_TO_OIHW
    const kernel = layer.weights[0]!.shape as number[]
    const fanIn = kernel.slice(0, -1).reduce((a, b) => a * b, 1)
    const values = randomValues(
      kernel.reduce((a, b) => a * b, 1),
      s++,
      Math.sqrt(3 / fanIn),
    )
    const torch = tf.tidy(() => tf.transpose(tf.tensor(values, kernel), perm))
    tensors[`${layer.name}.weight`] = f32(torch.dataSync(), torch.shape)
    torch.dispose()
    if (layer.weights.length > 1) {
      const c = layer.weights[1]!.shape[0]!
      tensors[`${layer.name}.bias`] = f32(randomValues(c, s++, 0.1), [c])
    }
  }
  return tensors
}

export function writeSafetensors(file: string, tensors: Record<string, FixtureTensor>): string {
  writeFileSync(file, safetensorsBytes(tensors))
  return file
}

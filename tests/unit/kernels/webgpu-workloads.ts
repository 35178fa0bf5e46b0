// The models the engine trains, as small as they stay themselves, and one optimizer step of each the
// way the trainer takes it (the engine's Adam and cross-entropy): shared by the webgpu kernel and
// training tests so both exercise exactly what a run computes.
import { SEED_CNN, TransferModelConfig, type ScratchModelConfig } from '@shared/domain/config'
import { buildModel } from '../../../src-main/engine/architectures'
import { buildFineTuningOnBundledBase } from '../../../src-main/engine/architectures/bundled-transfer'
import { mobileNetV2NoTop, vgg16NoTop } from '../../../src-main/engine/architectures/keras'
import { fuseRelu6Pairs, useRelu6Kernel } from '../../../src-main/engine/architectures/relu6'
import { pinInferenceMode } from '../../../src-main/engine/architectures/transfer'
import * as tf from '../../../src-main/engine/tf'
import { categoricalCrossentropy, correctCount, crossentropySum } from '../../../src-main/engine/training/loss'
import { createOptimizer } from '../../../src-main/engine/training/optimizer'
import { trainableVariables } from '../../../src-main/engine/training/weights'
import { random } from './reference'

export type Workload = 'seed-cnn' | 'cnn-batchnorm-dropout-gap' | 'mobilenetv2' | 'vgg16'

/**
 * Dropout draws its mask from tfjs' unseeded generator, different on every call: comparisons of two
 * backends' training switch it off, kernel replays (which reuse the recorded inputs) keep it.
 */
export interface WorkloadOptions {
  dropout: boolean
  /** MobileNetV2: batch norm in inference mode while fine-tuning, as transfer runs do (else batch statistics). */
  pinBatchNorm?: boolean
}

/** The Seed CNN's blocks with batch norm, dropout and global average pooling switched on. */
const VARIANT: ScratchModelConfig = {
  ...SEED_CNN,
  filters: [8, 16],
  denseUnits: 32,
  batchNorm: true,
  dropout: 0.25,
  pooling: 'gap',
}

/** A classifier head on a Keras base, as transfer runs put one: pooled or flattened, then softmax. */
function withHead(base: tf.LayersModel, pooling: 'gap' | 'flatten', dropout: number): tf.LayersModel {
  const features = base.outputs[0]!
  const pooled = (
    pooling === 'gap' ? tf.layers.globalAveragePooling2d({ name: 'gap' }) : tf.layers.flatten({ name: 'flatten' })
  ).apply(features) as tf.SymbolicTensor
  const hidden = tf.layers.dense({
    units: 16,
    activation: 'relu',
    name: 'head_dense',
    kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }),
  })
  const dropped = tf.layers.dropout({ rate: dropout, name: 'head_dropout' }).apply(hidden.apply(pooled)) as tf.SymbolicTensor
  const out = tf.layers
    .dense({
      units: 10,
      activation: 'softmax',
      name: 'predictions',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 6 }),
    })
    .apply(dropped) as tf.SymbolicTensor
  return tf.model({ inputs: base.inputs, outputs: out })
}

/** Builds the workload's model on the active backend (Keras bases have unseeded weights: see `copyWeights`). */
export function buildWorkload(name: Workload, options: WorkloadOptions): tf.LayersModel {
  const rate = options.dropout ? 0.5 : 0
  switch (name) {
    case 'seed-cnn':
      return buildModel(SEED_CNN, { numClasses: 10, imageSize: 32, seed: 7, base: null }).model
    case 'cnn-batchnorm-dropout-gap':
      return buildModel(
        { ...VARIANT, dropout: options.dropout ? VARIANT.dropout : 0 },
        { numClasses: 10, imageSize: 32, seed: 7, base: null },
      ).model
    case 'mobilenetv2': {
      // As transfer runs take the base: ReLU6 as one kernel, fused into the convolution outside training.
      const base = mobileNetV2NoTop(32)
      const layers = base.layers.filter((l) => l.getClassName() !== 'InputLayer')
      for (const layer of layers) {
        if (options.pinBatchNorm && layer.getClassName() === 'BatchNormalization') pinInferenceMode(layer)
        useRelu6Kernel(layer)
      }
      fuseRelu6Pairs(layers)
      return withHead(base, 'gap', rate)
    }
    case 'vgg16':
      return withHead(vgg16NoTop(32), 'flatten', rate)
  }
}

/**
 * The mobilenetv2-transfer preset's model on the ImageNet MobileNetV2 the app ships, at 32 px, in its
 * fine-tuning phase (the last two blocks trainable, batch norm pinned to inference as runs have it).
 */
export async function mobileNetV2FineTuning(): Promise<{ model: tf.LayersModel; learningRate: number }> {
  const config = TransferModelConfig.parse({
    kind: 'transfer',
    baseId: 'mobilenetv2-imagenet',
    inputSize: 32,
    headDropout: 0,
    fineTune: { enabled: true, epochs: 1, learningRate: 1e-4, trainableLayers: 7 },
  })
  const built = await buildFineTuningOnBundledBase(config, 3)
  return { model: built.model, learningRate: config.fineTune.learningRate }
}

/** The weights as host arrays, to give a second model on another backend the same start. */
export async function hostWeights(model: tf.LayersModel): Promise<{ shape: number[]; values: Float32Array }[]> {
  const out: { shape: number[]; values: Float32Array }[] = []
  for (const w of model.getWeights()) out.push({ shape: w.shape.slice(), values: (await w.data()) as Float32Array })
  return out
}

export function copyWeights(model: tf.LayersModel, weights: { shape: number[]; values: Float32Array }[]): void {
  const tensors = weights.map((w) => tf.tensor(w.values, w.shape, 'float32'))
  model.setWeights(tensors)
  tf.dispose(tensors)
}

/** A batch of images (values in [-1, 1), as the preprocessing gives) and labels 0..9. */
export function batch(n: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const x = random([n, 32, 32, 3], seed)
  return {
    x: tf.tensor4d(x.values, [n, 32, 32, 3]),
    y: tf.tensor1d(
      Array.from({ length: n }, (_, i) => (i * 3 + seed) % 10),
      'int32',
    ),
  }
}

/** One optimizer step as the trainer takes it; returns the loss and the count it got right. */
export async function trainStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor1D): Promise<number[]> {
  let correct: tf.Scalar | null = null
  const cost = optimizer.minimize(
    () => {
      const probs = model.apply(x, { training: true }) as tf.Tensor
      correct = tf.keep(correctCount(y, probs))
      return categoricalCrossentropy(y, probs)
    },
    true,
    trainableVariables(model),
  )!
  const out = [(await cost.data())[0]!, (await correct!.data())[0]!]
  tf.dispose([cost, correct!])
  return out
}

/** Evaluation's forward pass: inference mode, summed cross-entropy. */
export async function evaluateBatch(model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor1D): Promise<Float32Array> {
  const probs = model.apply(x, { training: false }) as tf.Tensor
  const loss = crossentropySum(y, probs)
  const out = Float32Array.from([...((await probs.data()) as Float32Array), (await loss.data())[0]!])
  tf.dispose([probs, loss])
  return out
}

export const newAdam = (learningRate = 1e-3): tf.Optimizer => createOptimizer('adam', learningRate)

// The three webgpu-vs-wasm workloads (Seed CNN training at 32 px, VGG16's forward pass at 32 px, the
// mobilenetv2-transfer preset's fine-tuning phase at 96 px on the shipped ImageNet base) and their
// measurement, shared by bench/webgpu.bench.ts and the self-contained device bundle (./entry.ts).
import { SEED_CNN, TransferModelConfig } from '@shared/domain/config'
import { buildModel } from '../../src-main/engine/architectures'
import { bundledBasesDir, readBundledBases } from '../../src-main/engine/architectures/bundled-bases'
import { buildFineTuningOnBundledBase } from '../../src-main/engine/architectures/bundled-transfer'
import { vgg16NoTop } from '../../src-main/engine/architectures/keras'
import { readValues } from '../../src-main/engine/backend/read'
import * as tf from '../../src-main/engine/tf'
import { categoricalCrossentropy } from '../../src-main/engine/training/loss'
import { createOptimizer } from '../../src-main/engine/training/optimizer'
import { trainableVariables } from '../../src-main/engine/training/weights'

interface Built {
  model: tf.LayersModel
  learningRate: number
}

export interface Workload {
  /** Short name for --workloads and the JSON result. */
  id: 'seed-cnn' | 'vgg16-forward' | 'mobilenetv2-finetune'
  name: string
  size: number
  batch: number
  train: boolean
  build(): Promise<Built> | Built
}

const MOBILENET_ID = 'mobilenetv2-imagenet'

/** Why the MobileNetV2 workload cannot run here (its shipped base is missing), or null. */
export function mobileNetV2Missing(): string | null {
  const dir = bundledBasesDir()
  if (!dir) return 'no resources/bases folder (set CIFAR_WORKBENCH_RESOURCES)'
  if (!readBundledBases(dir).some((b) => b.id === MOBILENET_ID)) return `${dir} does not list ${MOBILENET_ID}`
  return null
}

async function mobileNetV2FineTuning(): Promise<Built> {
  const config = TransferModelConfig.parse({
    kind: 'transfer',
    baseId: MOBILENET_ID,
    inputSize: 96,
    fineTune: { enabled: true, trainableLayers: 7 },
  })
  const built = await buildFineTuningOnBundledBase(config, 1)
  return { model: built.model, learningRate: config.fineTune.learningRate }
}

function vgg16(): tf.LayersModel {
  const base = vgg16NoTop(32)
  const flat = tf.layers.flatten().apply(base.outputs[0]!) as tf.SymbolicTensor
  const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(flat) as tf.SymbolicTensor
  return tf.model({ inputs: base.inputs, outputs: out })
}

export const WORKLOADS: readonly Workload[] = [
  {
    id: 'seed-cnn',
    name: 'Seed CNN training',
    size: 32,
    batch: 64,
    train: true,
    build: () => ({
      model: buildModel(SEED_CNN, { numClasses: 10, imageSize: 32, seed: 1, base: null }).model,
      learningRate: 1e-3,
    }),
  },
  {
    id: 'vgg16-forward',
    name: 'VGG16 forward',
    size: 32,
    batch: 64,
    train: false,
    build: () => ({ model: vgg16(), learningRate: 0 }),
  },
  {
    id: 'mobilenetv2-finetune',
    name: 'MobileNetV2 fine-tuning',
    size: 96,
    batch: 32,
    train: true,
    build: mobileNetV2FineTuning,
  },
]

export interface MeasureOptions {
  steps: number
  warmup: number
  /** Timed steps stop once this many seconds have passed (at least one step is always timed). */
  capSeconds?: number
}

export interface Measurement {
  imagesPerSecond: number
  /** Timed steps actually taken (fewer than asked when the time cap was reached). */
  steps: number
  seconds: number
  /** Cross-entropy of the last step's batch: the training loss, or the forward pass's loss. */
  loss: number
}

/** Images per second over up to `steps` batches after `warmup` untimed ones, from one fixed batch. */
export async function measure(w: Workload, options: MeasureOptions): Promise<Measurement> {
  const { model, learningRate } = await w.build()
  const optimizer = createOptimizer('adam', learningRate)
  const x = tf.randomUniform([w.batch, w.size, w.size, 3], -1, 1, 'float32', 1)
  const y = tf.tensor1d(
    Array.from({ length: w.batch }, (_, i) => i % 10),
    'int32',
  )
  const step = async (): Promise<number> => {
    const out = w.train
      ? optimizer.minimize(
          () => categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor),
          true,
          trainableVariables(model),
        )!
      : tf.tidy(() => categoricalCrossentropy(y, model.apply(x, { training: false }) as tf.Tensor))
    const values = await readValues(out)
    out.dispose()
    return values[0]!
  }
  try {
    let loss = Number.NaN
    for (let i = 0; i < options.warmup; i++) loss = await step()
    const capMs = (options.capSeconds ?? Number.POSITIVE_INFINITY) * 1000
    const t0 = performance.now()
    let steps = 0
    while (steps < options.steps && (steps === 0 || performance.now() - t0 < capMs)) {
      loss = await step()
      steps++
    }
    const seconds = (performance.now() - t0) / 1000
    return { imagesPerSecond: (steps * w.batch) / seconds, steps, seconds, loss }
  } finally {
    tf.dispose([x, y])
    optimizer.dispose()
    model.dispose()
  }
}

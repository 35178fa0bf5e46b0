// Training throughput on webgpu against wasm, in images/s: Seed CNN training (32 px), VGG16's forward
// pass (32 px) and the mobilenetv2-transfer preset's fine-tuning phase (96 px, the shipped ImageNet
// base), each from the same weights on the same generated batches.
//   node bin/run-ts.mjs bench/webgpu.bench.ts           on a hardware adapter (the engine's choice)
//   node bin/run-ts.mjs bench/webgpu.bench.ts --smoke   one step each, to check it runs (no figures)
// A software adapter (WORKBENCH_WEBGPU_ADAPTER=software) computes on the CPU: its times are not speed
// figures, and the script prints none for it.
import { join } from 'node:path'
import { SEED_CNN, TransferModelConfig } from '@shared/domain/config'
import { initBackend, webGpuReport } from '../src-main/engine/backend'
import { buildModel, loadTfjsFolder } from '../src-main/engine/architectures'
import { bundledBasesDir, readBundledBases } from '../src-main/engine/architectures/bundled-bases'
import { vgg16NoTop } from '../src-main/engine/architectures/keras'
import { readValues } from '../src-main/engine/backend/read'
import * as tf from '../src-main/engine/tf'
import { categoricalCrossentropy } from '../src-main/engine/training/loss'
import { createOptimizer } from '../src-main/engine/training/optimizer'
import { trainableVariables } from '../src-main/engine/training/weights'

const smoke = process.argv.includes('--smoke')
const STEPS = smoke ? 1 : 10
const WARMUP = smoke ? 0 : 2

interface Workload {
  name: string
  size: number
  batch: number
  train: boolean
  build(): Promise<{ model: tf.LayersModel; learningRate: number }> | { model: tf.LayersModel; learningRate: number }
}

async function mobileNetV2FineTuning(): Promise<{ model: tf.LayersModel; learningRate: number }> {
  const dir = bundledBasesDir()
  const info = readBundledBases(dir ?? undefined).find((b) => b.id === 'mobilenetv2-imagenet')
  if (!dir || !info) throw new Error('the bundled MobileNetV2 (resources/bases) is missing')
  const base = await loadTfjsFolder(join(dir, info.id))
  const config = TransferModelConfig.parse({
    kind: 'transfer',
    baseId: info.id,
    inputSize: 96,
    fineTune: { enabled: true, trainableLayers: 7 },
  })
  const built = buildModel(config, {
    numClasses: 10,
    imageSize: 32,
    seed: 1,
    base: { info: { ...info, registeredAt: '' }, model: base },
  })
  base.dispose()
  built.setPhase('finetune', config.fineTune)
  return { model: built.model, learningRate: config.fineTune.learningRate }
}

function vgg16(): tf.LayersModel {
  const base = vgg16NoTop(32)
  const flat = tf.layers.flatten().apply(base.outputs[0]!) as tf.SymbolicTensor
  const out = tf.layers.dense({ units: 10, activation: 'softmax' }).apply(flat) as tf.SymbolicTensor
  return tf.model({ inputs: base.inputs, outputs: out })
}

const WORKLOADS: Workload[] = [
  {
    name: 'Seed CNN training',
    size: 32,
    batch: 64,
    train: true,
    build: () => ({
      model: buildModel(SEED_CNN, { numClasses: 10, imageSize: 32, seed: 1, base: null }).model,
      learningRate: 1e-3,
    }),
  },
  { name: 'VGG16 forward', size: 32, batch: 64, train: false, build: () => ({ model: vgg16(), learningRate: 0 }) },
  { name: 'MobileNetV2 fine-tuning', size: 96, batch: 32, train: true, build: mobileNetV2FineTuning },
]

/** Images per second of `steps` batches after `warmup` untimed ones. */
async function imagesPerSecond(w: Workload): Promise<number> {
  const { model, learningRate } = await w.build()
  const optimizer = createOptimizer('adam', learningRate)
  const x = tf.randomUniform([w.batch, w.size, w.size, 3], -1, 1, 'float32', 1)
  const y = tf.tensor1d(
    Array.from({ length: w.batch }, (_, i) => i % 10),
    'int32',
  )
  const step = async (): Promise<void> => {
    const out = w.train
      ? optimizer.minimize(
          () => categoricalCrossentropy(y, model.apply(x, { training: true }) as tf.Tensor),
          true,
          trainableVariables(model),
        )!
      : tf.tidy(() => model.apply(x, { training: false }) as tf.Tensor)
    await readValues(out)
    out.dispose()
  }
  for (let i = 0; i < WARMUP; i++) await step()
  const t0 = performance.now()
  for (let i = 0; i < STEPS; i++) await step()
  const seconds = (performance.now() - t0) / 1000
  tf.dispose([x, y])
  optimizer.dispose()
  model.dispose()
  return (STEPS * w.batch) / seconds
}

const report = await webGpuReport()
if (!report.adapter) {
  console.log(`bench:webgpu skipped: ${report.reason}`)
  process.exit(0)
}
const software = report.adapter.software
const adapterName = report.adapter.description || report.adapter.device
console.log(`adapter: ${adapterName} (${report.adapter.vendor || 'unknown vendor'}, Dawn ${report.adapter.api})`)
if (software) console.log('software adapter: its times are not speed figures; none are printed')
const rows: string[] = ['| workload | batch | webgpu images/s | wasm images/s |', '| --- | --- | --- | --- |']
for (const w of WORKLOADS) {
  const speeds: string[] = []
  for (const backend of ['webgpu', 'wasm'] as const) {
    await initBackend(backend)
    const speed = await imagesPerSecond(w)
    speeds.push(smoke || (software && backend === 'webgpu') ? '—' : speed.toFixed(1))
  }
  rows.push(`| ${w.name} (${w.size} px) | ${w.batch} | ${speeds.join(' | ')} |`)
  console.log(rows.at(-1))
}
console.log(rows.join('\n'))
process.exit(0)

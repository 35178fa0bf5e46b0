// MobileNetV2's ReLU(maxValue 6) layers as tfjs runs them (Relu + ClipByValue, a five-kernel gradient)
// against the same layers switched to the single Relu6 kernel (src-main/engine/architectures/relu6.ts), on
// the wasm backend: a fine-tuning step (block_13_expand on + head, 96 px, batch 32, Adam) and a
// forward pass. The two variants alternate round by round in one process on one model, so load from
// other processes hits both alike; each figure is the best round. Also checks outputs and gradients.
//
//   node bin/run-ts.mjs bench/relu6.bench.ts [--threads N] [--rounds N]
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { registerWasmTrainingKernels } from '../src-main/engine/backend/wasm/kernels'
import { setupWasm } from '../src-main/engine/backend/wasm/setup'
import { buildModel, loadTfjsFolder } from '../src-main/engine/architectures'
import { useRelu6Kernel } from '../src-main/engine/architectures/relu6'
import * as tf from '../src-main/engine/tf'

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const MOBILENET_DIR = join(repoRoot, '../shared/models/mobilenetv2-imagenet')

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '5' } },
  })
  const rounds = Number(values.rounds)
  if (!existsSync(join(MOBILENET_DIR, 'model.json'))) {
    console.log(`skipped: ${MOBILENET_DIR} is absent`)
    return
  }
  const setup = await setupWasm({ threads: Number(values.threads) })
  registerWasmTrainingKernels()
  await tf.setBackend('wasm')
  const loaded = await loadTfjsFolder(MOBILENET_DIR)
  const info = {
    id: 'mobilenetv2-imagenet',
    name: 'MobileNetV2',
    family: 'mobilenetv2' as const,
    format: 'tfjs-layers' as const,
    path: MOBILENET_DIR,
    sha256: '',
    preprocessing: 'imagenet-mean-std' as const,
    defaultCutLayer: 'head_relu',
    minInputSize: 32,
    source: 'bench',
    summary: null,
    registeredAt: new Date().toISOString(),
  }
  const fineTune = { enabled: true, epochs: 1, learningRate: 1e-4, trainableLayers: null, fromLayer: 'block_13_expand' }
  const built = buildModel(
    {
      kind: 'transfer',
      baseId: info.id,
      cutLayer: null,
      inputSize: 96,
      headPooling: 'gap',
      headUnits: 256,
      headDropout: 0,
      fineTune,
    },
    { numClasses: 10, imageSize: 32, seed: 1, base: { info, model: loaded } },
  )
  loaded.dispose()
  built.setPhase('finetune', fineTune)
  const model = built.model
  const relus = model.layers.filter((l) => l.getClassName() === 'ReLU' && (l.getConfig() as { maxValue?: number }).maxValue === 6)
  // buildModel already switched these layers; the stock call is the ReLU class's own.
  const stock = relus.map((l) => (Object.getPrototypeOf(l) as tf.layers.Layer).call.bind(l))
  // useRelu6Kernel on a shallow clone gives the relu6 call without touching the layer itself.
  const relu6Calls = relus.map((l) => {
    const probe = Object.assign(Object.create(Object.getPrototypeOf(l) as object) as tf.layers.Layer, l)
    if (!useRelu6Kernel(probe)) throw new Error(`${l.name} is not a ReLU capped at 6`)
    return probe.call.bind(l)
  })
  const use = (variant: 'stock' | 'relu6') => relus.forEach((l, i) => (l.call = variant === 'stock' ? stock[i]! : relu6Calls[i]!))

  const xs = tf.randomUniform([32, 96, 96, 3], -2, 2, 'float32', 1)
  const ys = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: 32 }, (_, i) => i % 10),
      'int32',
    ),
    10,
  )
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable)
  const lossOf = () => tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(ys, model.apply(xs, { training: true }) as tf.Tensor)

  // Same outputs and gradients, compared before any timing (no optimizer step in between).
  const grads = (variant: 'stock' | 'relu6') => {
    use(variant)
    const { value, grads: g } = tf.variableGrads(lossOf, vars)
    const out = { loss: value.dataSync()[0]!, grads: vars.map((v) => g[v.name]!.dataSync() as Float32Array) }
    tf.dispose([value, ...Object.values(g)])
    return out
  }
  const a = grads('stock')
  const b = grads('relu6')
  let maxDiff = Math.abs(a.loss - b.loss)
  a.grads.forEach((ga, i) => ga.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - b.grads[i]![j]!)))))
  const forwardDiff = tf.tidy(() => {
    use('stock')
    const p = model.apply(xs) as tf.Tensor
    use('relu6')
    return tf.max(tf.abs(tf.sub(p, model.apply(xs) as tf.Tensor))).dataSync()[0]!
  })

  const optimizer = tf.train.adam(1e-4)
  const step = async () => {
    const loss = optimizer.minimize(lossOf, true, vars)!
    await loss.data()
    loss.dispose()
  }
  const forward = async () => {
    const p = model.apply(xs) as tf.Tensor
    await p.data()
    p.dispose()
  }
  const best: Record<string, number> = {}
  const timeIt = async (key: string, fn: () => Promise<void>, n: number) => {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) await fn()
    const ms = (performance.now() - t0) / n
    best[key] = Math.min(best[key] ?? Infinity, ms)
  }
  for (const v of ['stock', 'relu6'] as const) {
    use(v)
    await step()
    await forward()
  }
  for (let r = 0; r < rounds; r++) {
    for (const v of r % 2 === 0 ? (['stock', 'relu6'] as const) : (['relu6', 'stock'] as const)) {
      use(v)
      await timeIt(`${v} step`, step, 3)
      await timeIt(`${v} forward`, forward, 3)
    }
  }
  console.log(
    `wasm ${setup.threads} threads, SIMD ${setup.simd}; ${relus.length} ReLU6 layers; ${vars.length} trainable variables`,
  )
  console.log(`max |difference|: forward ${forwardDiff}, loss and gradients ${maxDiff}`)
  console.log('| variant | fine-tuning step (ms) | forward (ms) |\n| --- | ---: | ---: |')
  for (const v of ['stock', 'relu6'])
    console.log(`| ${v} | ${best[`${v} step`]!.toFixed(1)} | ${best[`${v} forward`]!.toFixed(1)} |`)
  console.log(
    `relu6 / stock: step ${(best['relu6 step']! / best['stock step']!).toFixed(3)}, forward ${(best['relu6 forward']! / best['stock forward']!).toFixed(3)}`,
  )
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})

// The kernels training uses, forward and gradient, agree between native TensorFlow (tfjs-node), wasm
// (with our training kernels) and tfjs' cpu reference on the same random inputs.
import { beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { loadNative } from '../../../src-main/engine/backend/detect'
import { createOptimizer } from '../../../src-main/engine/training/optimizer'
import { RELU_GRAD } from '../../../src-main/engine/backend/wasm/kernels/relu-grad'
import { nativeSkipReason, runNativeTests } from '../support/native-backend'
import { TOLERANCE, initBackends, random, relativeError, type HostTensor } from './reference'

if (!runNativeTests) console.warn(`skipping tensorflow kernel comparisons: ${nativeSkipReason}`)

type Backend = 'cpu' | 'wasm' | 'tensorflow'
const BACKENDS: readonly Backend[] = ['cpu', 'wasm', 'tensorflow']

/** Runs `fn` on `backend` with fresh tensors of `inputs`; returns every output as host arrays. */
async function onBackend(backend: Backend, inputs: HostTensor[], fn: (...xs: tf.Tensor[]) => tf.Tensor[]): Promise<HostTensor[]> {
  await tf.setBackend(backend)
  if (tf.getBackend() !== backend) throw new Error(`backend ${backend} not active`)
  const xs = inputs.map((t) => tf.tensor(t.values, t.shape, 'float32'))
  const before = tf.memory().numTensors
  const outs = tf.tidy(() => fn(...xs))
  const host = await Promise.all(outs.map(async (o) => ({ shape: o.shape.slice(), values: Float32Array.from(await o.data()) })))
  tf.dispose(outs)
  expect(tf.memory().numTensors, `${backend}: tensors left behind`).toBe(before)
  tf.dispose(xs)
  return host
}

/** The same function on all three backends: tensorflow vs cpu, and wasm vs tensorflow, within TOLERANCE. */
async function expectAgree(label: string, inputs: HostTensor[], fn: (...xs: tf.Tensor[]) => tf.Tensor[]): Promise<void> {
  const results: HostTensor[][] = []
  // One backend after another: tf.setBackend is global.
  for (const b of BACKENDS) results.push(await onBackend(b, inputs, fn))
  const [cpu, wasm, native] = results as [HostTensor[], HostTensor[], HostTensor[]]
  native.forEach((out, i) => {
    expect(relativeError(out, cpu[i]!), `${label}, output ${i}: tensorflow vs cpu`).toBeLessThan(TOLERANCE)
    expect(relativeError(wasm[i]!, out), `${label}, output ${i}: wasm vs tensorflow`).toBeLessThan(TOLERANCE)
  })
}

/** Output and the gradients of sum(output * probe) with respect to every input. */
function withGrads(f: (...xs: tf.Tensor[]) => tf.Tensor, probe: tf.Tensor | null = null) {
  return (...xs: tf.Tensor[]): tf.Tensor[] => {
    const y = f(...xs)
    const weights = probe ?? tf.onesLike(y)
    const grads = tf.grads((...ins: tf.Tensor[]) => tf.sum(tf.mul(f(...ins), weights)))(xs)
    return [y, ...grads]
  }
}

describe.skipIf(!runNativeTests)('training kernels on tensorflow, wasm and cpu', () => {
  beforeAll(async () => {
    await initBackends()
    const reason = await loadNative('tensorflow')
    if (reason) throw new Error(reason)
  })

  it('convolutions (stride 1 and 2, same and valid) with input and filter gradients', async () => {
    const cases: Array<[number[], number[], 1 | 2, 'same' | 'valid']> = [
      [[4, 16, 16, 3], [3, 3, 3, 32], 1, 'same'],
      [[2, 15, 15, 8], [3, 3, 8, 16], 2, 'valid'],
      [[2, 8, 8, 32], [1, 1, 32, 24], 1, 'valid'],
      [[2, 9, 9, 4], [5, 5, 4, 8], 2, 'same'],
    ]
    for (const [i, [xShape, wShape, stride, pad]] of cases.entries()) {
      await expectAgree(
        `conv2d ${xShape.join('x')} * ${wShape.join('x')} s${stride} ${pad}`,
        [random(xShape, 10 + i), random(wShape, 20 + i)],
        withGrads((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad)),
      )
    }
  })

  it('depthwise convolutions (multiplier 1 and 2) with input and filter gradients', async () => {
    for (const [i, [mult, stride]] of (
      [
        [1, 1],
        [1, 2],
        [2, 1],
      ] as const
    ).entries()) {
      await expectAgree(
        `depthwise m${mult} s${stride}`,
        [random([2, 12, 12, 8], 30 + i), random([3, 3, 8, mult], 40 + i)],
        withGrads((x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, 'same')),
      )
    }
  })

  it('pooling, ReLU, ReLU6, dense layers, concatenation, padding and resizing with gradients', async () => {
    const x = random([2, 12, 12, 16], 50)
    await expectAgree(
      'maxPool',
      [x],
      withGrads((a) => tf.maxPool(a as tf.Tensor4D, 2, 2, 'valid')),
    )
    // 'valid' only: with 'same' padding tfjs' cpu and wasm AvgPoolGrad divide border windows by the
    // full window size while the forward pass (and TensorFlow's gradient) count only the valid cells.
    // No architecture here trains through an average pool.
    await expectAgree(
      'avgPool',
      [x],
      withGrads((a) => tf.avgPool(a as tf.Tensor4D, 3, 2, 'valid')),
    )
    // Scaled so that values cross 0 and 6 (ReLU6's two bends).
    // On tensorflow the ReLU gradients run as TensorFlow's ReluGrad (a kernel of ours): compared here too.
    expect(tf.getKernel(RELU_GRAD, 'tensorflow')).toBeDefined()
    await expectAgree(
      'relu / relu6',
      [x],
      withGrads((a) => tf.concat([tf.relu(a), tf.relu6(tf.mul(a, 8))], 3)),
    )
    // Step directly (the ReLU gradient's mask, a replaced kernel on tensorflow), NaN and leaky alpha included.
    const withNan: HostTensor = {
      shape: [4, 5],
      values: Float32Array.from({ length: 20 }, (_, i) => (i === 7 ? Number.NaN : (i - 10) / 3)),
    }
    for (const alpha of [0, 0.2]) {
      const outs: HostTensor[] = []
      for (const b of BACKENDS) outs.push((await onBackend(b, [withNan], (a) => [tf.step(a, alpha)]))[0]!)
      for (const out of outs.slice(1)) expect(Array.from(out.values), `step alpha ${alpha}`).toEqual(Array.from(outs[0]!.values))
    }
    await expectAgree(
      'matMul + bias',
      [random([32, 200], 51), random([200, 64], 52), random([64], 53)],
      withGrads((a, w, b) => tf.add(tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D), b)),
    )
    await expectAgree(
      'concat (fire module)',
      [random([2, 6, 6, 8], 54), random([2, 6, 6, 8], 55)],
      withGrads((a, b) => tf.concat([a, b], 3)),
    )
    await expectAgree(
      'pad',
      [x],
      withGrads((a) =>
        tf.pad(a, [
          [0, 0],
          [0, 1],
          [0, 1],
          [0, 0],
        ]),
      ),
    )
    await expectAgree(
      'resizeBilinear 12 → 32',
      [x],
      withGrads((a) => tf.image.resizeBilinear(a as tf.Tensor4D, [32, 32])),
    )
    await expectAgree(
      'global average pooling',
      [x],
      withGrads((a) => tf.mean(a, [1, 2])),
    )
  })

  it('fused convolution with bias and ReLU6 (the inference path) and batch normalisation', async () => {
    await expectAgree(
      'fused conv2d relu6',
      [random([2, 10, 10, 8], 60), random([3, 3, 8, 16], 61), random([16], 62)],
      (x, w, b) => [
        tf.fused.conv2d({
          x: tf.mul<tf.Tensor4D>(x, 4),
          filter: w as tf.Tensor4D,
          strides: 1,
          pad: 'same',
          bias: b,
          activation: 'relu6',
        }),
        tf.fused.depthwiseConv2d({
          x: tf.mul<tf.Tensor4D>(x, 4),
          filter: tf.slice(w, [0, 0, 0, 0], [3, 3, 8, 1]) as tf.Tensor4D,
          strides: 2,
          pad: 'same',
          bias: tf.slice(b, 0, 8),
          activation: 'relu6',
        }),
      ],
    )
    await expectAgree(
      'batchNorm',
      [random([2, 6, 6, 8], 63), random([8], 64), random([8], 65)],
      withGrads((x, m, s) => tf.batchNorm(x, m, tf.add(tf.abs(s), 1), tf.zeros([8]), tf.ones([8]), 1e-3)),
    )
  })

  it('softmax cross-entropy with its gradient, and one Adam step of the optimizer the runs use', async () => {
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d([3, 1, 4, 1, 5, 9, 2, 6], 'int32'), 10).arraySync() as number[][])
    const y: HostTensor = { shape: [8, 10], values: Float32Array.from(labels.flat()) }
    await expectAgree('softmax + categorical cross-entropy', [random([8, 10], 70), y], (logits, target) => {
      const f = (l: tf.Tensor) => tf.losses.softmaxCrossEntropy(target, l)
      return [tf.softmax(logits), f(logits), tf.grad(f)(logits)]
    })
    await expectAgree('Adam step', [random([64, 32], 71), random([64, 32], 72)], (w0, g) => {
      const w = tf.variable(w0, true, `adam_w_${tf.getBackend()}`)
      const optimizer = createOptimizer('adam', 1e-3)
      for (let step = 0; step < 3; step++) optimizer.applyGradients({ [w.name]: tf.mul(g, step + 1) })
      const out = tf.clone(w)
      optimizer.dispose()
      w.dispose()
      return [out]
    })
  })
})

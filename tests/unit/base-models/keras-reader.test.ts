// The Keras peers of the benchmarks (bench/peers/*.py) give Keras our MobileNetV2 weights through
// bench/peers/tfjs_layers.py, so their accuracies compare like with like. This checks that claim with
// the real Keras of the reference venv: the Keras model read from the shared tfjs LayersModel computes
// what tfjs computes from the same folder, on the same input.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import * as tf from '../../../src-main/engine/tf'
import { missingShared, sharedPath } from '../../support/shared-data'
import { runPython, workbenchPython } from '../support/python'

const MOBILENET = 'models/mobilenetv2-imagenet'
const PEERS = resolve(import.meta.dirname, '../../../bench/peers')
const skip = missingShared('the Keras reader of tfjs LayersModels', MOBILENET)
const python = skip ? null : workbenchPython('the Keras reader of tfjs LayersModels')

/** Reads the folder with tfjs_layers.py, runs `input.bin` ([2, 32, 32, 3] float32) through it, writes `output.bin`. */
const SCRIPT = `
import importlib.util, os, sys
# Keras on whichever backend the venv has (TensorFlow for the peers, JAX in the smaller venv).
os.environ.setdefault("KERAS_BACKEND", "tensorflow" if importlib.util.find_spec("tensorflow") else "jax")
sys.path.insert(0, sys.argv[1])
import numpy as np
from tfjs_layers import load_tfjs_layers_model
model = load_tfjs_layers_model(sys.argv[2], 32)
x = np.fromfile(sys.argv[3], "<f4").reshape(2, 32, 32, 3)
np.asarray(model.predict_on_batch(x), "<f4").tofile(sys.argv[4])
print(len(model.layers), model.count_params())
`

describe.skipIf(skip !== null || python === null)('tfjs_layers.py (the Keras peers’ MobileNetV2)', () => {
  let dir: string
  beforeAll(async () => {
    await tf.setBackend('cpu')
    dir = mkdtempSync(join(tmpdir(), 'keras-reader-'))
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('builds the same network with the same weights as tfjs: same layers, parameters and outputs', async () => {
    const folder = sharedPath(MOBILENET)
    const input = Float32Array.from({ length: 2 * 32 * 32 * 3 }, (_, i) => Math.sin(i * 0.37) * 2)
    writeFileSync(join(dir, 'input.bin'), input)
    const printed = runPython(python!, ['-c', SCRIPT, PEERS, folder, join(dir, 'input.bin'), join(dir, 'output.bin')], {
      TF_CPP_MIN_LOG_LEVEL: '3',
      CUDA_VISIBLE_DEVICES: '',
    })
    const [layers, params] = printed.trim().split('\n').pop()!.split(' ').map(Number)
    const bytes = readFileSync(join(dir, 'output.bin'))
    const keras = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4)

    const manifest = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8')) as {
      modelTopology: object
      weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[]
    }
    const group = manifest.weightsManifest[0]!
    const all = Buffer.concat(group.paths.map((p) => readFileSync(join(folder, p))))
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: manifest.modelTopology,
        weightSpecs: group.weights,
        weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      }),
    )
    const ours = tf.tidy(() => (model.predict(tf.tensor4d(input, [2, 32, 32, 3])) as tf.Tensor).dataSync())
    model.dispose()

    expect(layers).toBe(model.layers.length)
    expect(params).toBe(model.countParams())
    expect(keras.length).toBe(ours.length)
    let scale = 0
    let worst = 0
    for (let i = 0; i < ours.length; i++) {
      scale = Math.max(scale, Math.abs(ours[i]!))
      worst = Math.max(worst, Math.abs(ours[i]! - keras[i]!))
    }
    expect(scale).toBeGreaterThan(0.1) // a real activation map, not zeros
    expect(worst / scale).toBeLessThan(1e-4)
  }, 120_000)

  it('refuses a layer class it cannot build, naming it', () => {
    const topology = {
      modelTopology: {
        class_name: 'Model',
        config: {
          name: 'odd',
          layers: [
            { name: 'input', class_name: 'InputLayer', config: { batch_input_shape: [null, 8, 8, 3] }, inbound_nodes: [] },
            { name: 'lrn', class_name: 'LocallyConnected2D', config: { name: 'lrn' }, inbound_nodes: [[['input', 0, 0, {}]]] },
          ],
          input_layers: [['input', 0, 0]],
          output_layers: [['lrn', 0, 0]],
        },
      },
      weightsManifest: [],
    }
    const odd = join(dir, 'odd')
    rmSync(odd, { recursive: true, force: true })
    writeFileSync(join(dir, 'odd-model.json'), JSON.stringify(topology))
    const script = `
import importlib.util, os, shutil, sys
os.environ.setdefault("KERAS_BACKEND", "tensorflow" if importlib.util.find_spec("tensorflow") else "jax")
sys.path.insert(0, sys.argv[1])
os.makedirs(sys.argv[2])
shutil.copy(sys.argv[3], os.path.join(sys.argv[2], "model.json"))
from tfjs_layers import load_tfjs_layers_model
load_tfjs_layers_model(sys.argv[2])
`
    expect(() =>
      runPython(python!, ['-c', script, PEERS, odd, join(dir, 'odd-model.json')], { TF_CPP_MIN_LOG_LEVEL: '3' }),
    ).toThrow(/layer class LocallyConnected2D \(lrn\) is not supported/)
  })
})

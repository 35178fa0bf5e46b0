// The GPU engine page builds a transfer run's model from what the run sends it: the run's config and
// its cut base's topology (weights come separately, in canonical order). On the two bases that ship
// with the app, the page's model must be the run's own: the same weights in the same order, the same
// layers trainable in each phase, and the same probabilities for the same images.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TransferModelConfig } from '@shared/domain/config'
import { buildModel, loadTfjsFolder, type BuiltModel } from '../../../src-main/engine/architectures'
import { bundledBasesDir, readBundledBases } from '../../../src-main/engine/architectures/bundled-bases'
import { initBackend } from '../../../src-main/engine/backend'
import { GpuSession } from '../../../src-main/engine/training/gpu-session'
import { readHostWeights } from '../../../src-main/engine/training/host-weights'
import { createStockOptimizer } from '../../../src-main/engine/training/optimizer-kinds'
import { trainableVariables } from '../../../src-main/engine/training/weights'
import * as tf from '../../../src-main/engine/tf'

const dir = bundledBasesDir()
const bases = readBundledBases(dir ?? undefined)

describe('the GPU engine session builds a run’s transfer model on a shipped base', () => {
  beforeAll(async () => {
    await initBackend('cpu')
  })

  for (const id of ['mobilenetv2-imagenet', 'squeezenet1.1-imagenet']) {
    describe(id, () => {
      let built: BuiltModel
      let session: GpuSession
      const info = { ...bases.find((b) => b.id === id)!, registeredAt: '' }
      const config = TransferModelConfig.parse({
        kind: 'transfer',
        baseId: id,
        inputSize: Math.max(64, info.minInputSize),
        headUnits: 32,
        headDropout: 0,
        fineTune: { enabled: true, trainableLayers: 3 },
      })

      beforeAll(async () => {
        const base = await loadTfjsFolder(join(dir!, id))
        built = buildModel(config, { numClasses: 10, imageSize: 32, seed: 5, base: { info, model: base } })
        base.dispose()
        // What RemoteCompute.open sends: the cut base's topology, and every weight of the run's model.
        const topology = built.featureExtractor!.toJSON(null, false) as Record<string, unknown>
        session = await GpuSession.open(
          {
            call: 'open',
            model: { config, numClasses: 10, imageSize: 32, seed: 999 },
            base: { info, topology },
            weights: await readHostWeights(built.model),
          },
          { createOptimizer: createStockOptimizer },
        )
      })
      afterAll(() => session?.dispose())

      it('trains the same weights in each phase and gives the same probabilities for 32 px images', async () => {
        for (const phase of ['train', 'finetune'] as const) {
          built.setPhase(phase, config.fineTune)
          const result = await session.handle({
            call: 'phase',
            phase,
            fineTune: phase === 'finetune' ? config.fineTune : null,
            optimizer: 'adam',
            learningRate: 1e-3,
            state: null,
          })
          expect(result).toEqual({ call: 'phase', trainableWeights: trainableVariables(built.model).length })
        }
        // A different seed on the page: every weight it holds came from the run.
        const state = await session.handle({ call: 'state' })
        if (state.call !== 'state') throw new Error(state.call)
        const local = await readHostWeights(built.model)
        expect(state.weights.map((w) => w.name)).toEqual(local.map((w) => w.name))
        state.weights.forEach((w, i) => expect(w.values, w.name).toEqual(local[i]!.values))

        const pixels = tf.randomUniform<tf.Rank.R4>([4, 32, 32, 3], -1, 1, 'float32', 3)
        const x = (await pixels.data()) as Float32Array<ArrayBuffer>
        const expected = tf.tidy(() => {
          const resized = tf.image.resizeBilinear(pixels, [config.inputSize, config.inputSize])
          return built.model.apply(resized, { training: false }) as tf.Tensor
        })
        const out = await session.handle({
          call: 'evaluate',
          batch: { x, shape: [4, 32, 32, 3], labels: Int32Array.from([0, 1, 2, 3]) },
          probabilities: true,
        })
        if (out.call !== 'evaluate') throw new Error(out.call)
        expect(Array.from(out.probabilities!)).toEqual(Array.from(await expected.data()))
        tf.dispose([pixels, expected])
      })
    })
  }
})

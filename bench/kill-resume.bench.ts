// npm run bench:kill -- [--kills N] [--train-size N] [--epochs N]
// The Seed CNN killed with SIGKILL at seeded random moments and resumed with `train --resume` each time
// (bench/kill/kill-resume.ts), against the same run trained straight through: reports whether the
// epochs, the metrics and the final weights are identical, and every attempt that failed to train.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { SEED_CNN } from '@shared/domain/config'
import { tarOf, writeCifarBinary } from '../tests/unit/data/fixtures'
import { comparable, killAndResume, weightsOf } from './kill/kill-resume'

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '100' },
    'train-size': { type: 'string', default: '400' },
    epochs: { type: 'string', default: '40' },
    backend: { type: 'string', default: 'wasm' },
  },
})
const root = mkdtempSync(join(tmpdir(), 'cifar-workbench-kill-'))
const source = join(root, 'source')
mkdirSync(source)
// Generated CIFAR-10 batches: 5 x 100 training images and 100 test images, seeded.
writeCifarBinary(source, 100)
const archive = await tarOf(source, 'cifar-10-batches-bin', join(root, 'cifar-10-binary.tar.gz'), true)
const configFile = join(root, 'seed-cnn.json')
writeFileSync(
  configFile,
  JSON.stringify({
    name: 'Seed CNN, killed and resumed',
    data: { trainSubset: Number(values['train-size']) },
    model: SEED_CNN,
    training: { epochs: Number(values.epochs), batchSize: 64, seed: 42 },
  }),
)
const started = Date.now()
const result = await killAndResume({
  archive,
  configFile,
  referenceDir: join(root, 'reference'),
  victimDir: join(root, 'victim'),
  kills: Number(values.kills),
  seed: 20261201,
  backend: values.backend,
  onAttempt: (attempt, _killed, kills) => {
    if (attempt % 10 === 0)
      console.log(`  attempt ${attempt}: ${kills} kills so far (${((Date.now() - started) / 1000).toFixed(0)} s)`)
  },
})
const { expected, final } = result
const sameEpochs =
  JSON.stringify(final?.epochs.map((e) => `${e.phase}:${e.epoch}`)) ===
  JSON.stringify(expected.epochs.map((e) => `${e.phase}:${e.epoch}`))
const sameMetrics = final !== null && JSON.stringify(comparable(final)) === JSON.stringify(comparable(expected))
const sameWeights =
  final !== null &&
  JSON.stringify(weightsOf(join(root, 'victim'), final)) === JSON.stringify(weightsOf(join(root, 'reference'), expected))
console.log(
  `\n${result.kills} kills over ${result.attempts} attempts in ${((Date.now() - started) / 1000).toFixed(0)} s on ${values.backend}`,
)
console.log(
  `final status: ${final?.status ?? 'none'}; epochs once each and in order: ${sameEpochs}; metrics identical: ${sameMetrics}; weights identical: ${sameWeights}`,
)
console.log(result.errors.length ? `attempts that failed to train:\n${result.errors.join('\n')}` : 'no attempt failed to train')
rmSync(root, { recursive: true, force: true })
process.exit(sameEpochs && sameMetrics && sameWeights ? 0 : 1)

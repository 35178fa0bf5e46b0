import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { EpochMetric, Phase } from '@shared/domain/run'
import * as tf from '../tf'
import { PlateauState } from './plateau'
import { assignWeights, decodeTensors, encodeTensors, namedWeights, WeightSnapshot, allWeights } from './weights'

/** Where a run's last checkpoint lives, relative to the data directory. */
export function checkpointRelDir(runId: string): string {
  return join('runs', runId, 'checkpoint')
}

const WeightSpec = z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() }).loose()
type WeightSpec = z.infer<typeof WeightSpec>
const specsOf = (specs: tf.io.WeightsManifestEntry[]): WeightSpec[] => specs.map((s) => ({ ...s }))

export const CheckpointState = z.object({
  format: z.literal('cifar-workbench-checkpoint'),
  version: z.literal(1),
  runId: z.string(),
  configHash: z.string(),
  /** Index into the run's phases of the phase the next epoch belongs to. */
  phaseIndex: z.number().int().min(0),
  phase: Phase,
  /** Epochs finished in that phase; `phaseDone` when the phase ended (all epochs or early stop). */
  phaseEpochs: z.number().int().min(0),
  phaseDone: z.boolean(),
  /** Epochs finished over the whole run (1-based numbering continues from here). */
  epoch: z.number().int().min(0),
  step: z.number().int().min(0),
  learningRate: z.number(),
  earlyStopping: PlateauState.nullable(),
  reduceLr: PlateauState.nullable(),
  history: z.array(EpochMetric),
  /** The RNG of a run is derived per epoch from its seeds; recorded so a resume can check them. */
  rng: z.object({ shuffleSeed: z.number().int(), augmentSeed: z.number().int() }),
  files: z.object({
    model: z.object({ file: z.string(), specs: z.array(WeightSpec) }),
    optimizer: z.object({ file: z.string(), specs: z.array(WeightSpec) }).nullable(),
    best: z.object({ file: z.string(), specs: z.array(WeightSpec) }).nullable(),
  }),
})
export type CheckpointState = z.infer<typeof CheckpointState>
export type CheckpointProgress = Omit<CheckpointState, 'format' | 'version' | 'files'>

export interface SavedCheckpoint {
  dir: string
  sizeBytes: number
}

/**
 * Writes weights, optimizer state and loop state into a fresh folder, then swaps it in with a rename,
 * so a crash mid-write leaves the previous checkpoint intact.
 */
export async function saveCheckpoint(
  dir: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer | null,
  best: WeightSnapshot | null,
  progress: CheckpointProgress,
): Promise<SavedCheckpoint> {
  const tmp = `${dir}.tmp`
  await rm(tmp, { recursive: true, force: true })
  await mkdir(tmp, { recursive: true })
  const modelEnc = await encodeTensors(namedWeights(model))
  await writeFile(join(tmp, 'model.bin'), modelEnc.data)
  let optimizerFile: CheckpointState['files']['optimizer'] = null
  if (optimizer) {
    const weights = await optimizer.getWeights()
    try {
      const enc = await encodeTensors(weights.map((w, i) => ({ name: `${i}:${w.name}`, tensor: w.tensor })))
      await writeFile(join(tmp, 'optimizer.bin'), enc.data)
      optimizerFile = { file: 'optimizer.bin', specs: specsOf(enc.specs) }
    } finally {
      // getWeights() makes a fresh scalar for the iteration count; the rest are live variables.
      weights[0]?.tensor.dispose()
    }
  }
  let bestFile: CheckpointState['files']['best'] = null
  if (best) {
    const keys = allWeights(model).map((w) => w.key)
    const enc = await encodeTensors(best.values.map((tensor, i) => ({ name: keys[i] ?? String(i), tensor })))
    await writeFile(join(tmp, 'best.bin'), enc.data)
    bestFile = { file: 'best.bin', specs: specsOf(enc.specs) }
  }
  const state: CheckpointState = {
    format: 'cifar-workbench-checkpoint',
    version: 1,
    ...progress,
    files: { model: { file: 'model.bin', specs: specsOf(modelEnc.specs) }, optimizer: optimizerFile, best: bestFile },
  }
  await writeFile(join(tmp, 'state.json'), JSON.stringify(state))
  await rm(dir, { recursive: true, force: true })
  await rename(tmp, dir)
  let sizeBytes = 0
  for (const name of ['model.bin', 'optimizer.bin', 'best.bin', 'state.json']) {
    const file = join(dir, name)
    if (existsSync(file)) sizeBytes += (await stat(file)).size
  }
  return { dir, sizeBytes }
}

export async function readCheckpointState(dir: string): Promise<CheckpointState | null> {
  const file = join(dir, 'state.json')
  if (!existsSync(file)) return null
  const parsed = CheckpointState.safeParse(JSON.parse(await readFile(file, 'utf8')))
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new Error(`checkpoint ${file} is invalid: ${first ? `${first.path.join('.')}: ${first.message}` : 'bad state'}`)
  }
  return parsed.data
}

async function readTensors(dir: string, entry: { file: string; specs: WeightSpec[] }) {
  const data = new Uint8Array(await readFile(join(dir, entry.file)))
  return decodeTensors({ specs: entry.specs as unknown as tf.io.WeightsManifestEntry[], data })
}

/** Restores model weights and returns the best-weights snapshot, if the checkpoint had one. */
export async function restoreModel(dir: string, state: CheckpointState, model: tf.LayersModel): Promise<WeightSnapshot | null> {
  const weights = await readTensors(dir, state.files.model)
  try {
    assignWeights(model, weights)
  } finally {
    tf.dispose(weights.map((w) => w.tensor))
  }
  if (!state.files.best) return null
  const best = await readTensors(dir, state.files.best)
  return WeightSnapshot.fromTensors(best.map((w) => w.tensor))
}

/** Restores an optimizer's slots (Adam's moments, the iteration count) saved in the same phase. */
export async function restoreOptimizer(dir: string, state: CheckpointState, optimizer: tf.Optimizer): Promise<void> {
  if (!state.files.optimizer) return
  const weights = await readTensors(dir, state.files.optimizer)
  await optimizer.setWeights(weights.map((w) => ({ name: w.name.replace(/^\d+:/, ''), tensor: w.tensor })))
  // setWeights wraps each tensor in a new variable; the decoded tensors themselves are ours to free.
  tf.dispose(weights.map((w) => w.tensor))
}

import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { EpochMetric, Phase } from '@shared/domain/run'
import * as tf from '../tf'
import { adamPowerVariables } from './adam-powers'
import { PlateauState } from './plateau'
import { assignWeights, decodeTensors, encodeTensors, namedWeights, WeightSnapshot, allWeights } from './weights'

/** Where a run's last checkpoint lives, relative to the data directory. */
export function checkpointRelDir(runId: string): string {
  return join('runs', runId, 'checkpoint')
}

/** The generation kept beside the newest, for when the newest is damaged or half written. */
export const PREVIOUS_SUFFIX = '.prev'

const WeightSpec = z.object({ name: z.string(), shape: z.array(z.number().int()), dtype: z.string() }).loose()
type WeightSpec = z.infer<typeof WeightSpec>
/** A tensor file of a checkpoint; bytes and sha256 let a resume tell a whole file from a damaged one. */
const TensorFile = z.object({
  file: z.string(),
  specs: z.array(WeightSpec),
  bytes: z.number().int().min(0).optional(),
  sha256: z.string().optional(),
})
type TensorFile = z.infer<typeof TensorFile>
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
    model: TensorFile,
    optimizer: TensorFile.nullable(),
    best: TensorFile.nullable(),
  }),
})
export type CheckpointState = z.infer<typeof CheckpointState>
export type CheckpointProgress = Omit<CheckpointState, 'format' | 'version' | 'files'>

export interface SavedCheckpoint {
  dir: string
  sizeBytes: number
}

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex')

async function writeTensorFile(
  dir: string,
  file: string,
  enc: { data: Uint8Array; specs: tf.io.WeightsManifestEntry[] },
): Promise<TensorFile> {
  await writeFile(join(dir, file), enc.data)
  return { file, specs: specsOf(enc.specs), bytes: enc.data.byteLength, sha256: sha256(enc.data) }
}

/**
 * Writes weights, optimizer state and loop state into a fresh folder, then swaps it in with renames
 * that keep the previous generation as `<dir>.prev`: a crash at any moment leaves at least one whole
 * checkpoint, and a damaged newest one (a bad disk, a truncated copy) still has an older one behind it.
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
  try {
    return await writeCheckpoint(dir, tmp, model, optimizer, best, progress)
  } catch (error) {
    // A write that failed half way (a full disk) leaves the older generations as they were and gives its space back.
    await rm(tmp, { recursive: true, force: true })
    throw error
  }
}

async function writeCheckpoint(
  dir: string,
  tmp: string,
  model: tf.LayersModel,
  optimizer: tf.Optimizer | null,
  best: WeightSnapshot | null,
  progress: CheckpointProgress,
): Promise<SavedCheckpoint> {
  await mkdir(tmp, { recursive: true })
  const modelFile = await writeTensorFile(tmp, 'model.bin', await encodeTensors(namedWeights(model)))
  let optimizerFile: CheckpointState['files']['optimizer'] = null
  if (optimizer) {
    const weights = await optimizer.getWeights()
    try {
      optimizerFile = await writeTensorFile(
        tmp,
        'optimizer.bin',
        await encodeTensors([...weights.map((w, i) => ({ name: `${i}:${w.name}`, tensor: w.tensor })), ...adamPowers(optimizer)]),
      )
    } finally {
      // getWeights() makes a fresh scalar for the iteration count; the rest are live variables.
      weights[0]?.tensor.dispose()
    }
  }
  let bestFile: CheckpointState['files']['best'] = null
  if (best) {
    const keys = allWeights(model).map((w) => w.key)
    bestFile = await writeTensorFile(
      tmp,
      'best.bin',
      await encodeTensors(best.values.map((tensor, i) => ({ name: keys[i] ?? String(i), tensor }))),
    )
  }
  const state: CheckpointState = {
    format: 'cifar-workbench-checkpoint',
    version: 1,
    ...progress,
    files: { model: modelFile, optimizer: optimizerFile, best: bestFile },
  }
  await writeFile(join(tmp, 'state.json'), JSON.stringify(state))
  const previous = `${dir}${PREVIOUS_SUFFIX}`
  if (existsSync(dir)) {
    await rm(previous, { recursive: true, force: true })
    await rename(dir, previous)
  }
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
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(file, 'utf8'))
  } catch (error) {
    throw new Error(`checkpoint ${file} is not valid JSON (${(error as Error).message})`, { cause: error })
  }
  const parsed = CheckpointState.safeParse(raw)
  if (!parsed.success) {
    const first = parsed.error.issues[0]
    throw new Error(`checkpoint ${file} is invalid: ${first ? `${first.path.join('.')}: ${first.message}` : 'bad state'}`)
  }
  return parsed.data
}

/**
 * Adam's bias corrections use beta^t kept as a running product (accBeta1, accBeta2). tfjs'
 * getWeights leaves them out and setWeights recomputes them with pow(), which rounds differently from
 * the product, so a resumed run would drift from an uninterrupted one in the last bits. They are saved
 * beside the slots under these names and put back after setWeights.
 */
const ADAM_POWER_PREFIX = 'adam-power:'

function adamPowers(optimizer: tf.Optimizer): Array<{ name: string; tensor: tf.Tensor }> {
  const powers = adamPowerVariables(optimizer)
  if (!powers) return []
  return [
    { name: `${ADAM_POWER_PREFIX}accBeta1`, tensor: powers.accBeta1 },
    { name: `${ADAM_POWER_PREFIX}accBeta2`, tensor: powers.accBeta2 },
  ]
}

/** What a resume continues from: the newest checkpoint that is whole and this run's, and why any newer one was refused. */
export interface UsableCheckpoint {
  dir: string
  state: CheckpointState
  refused: string[]
}

/** Why a checkpoint folder cannot be resumed from, or null when it can. */
async function problemWith(dir: string, expect: { runId: string; configHash: string }): Promise<string | null> {
  let state: CheckpointState | null
  try {
    state = await readCheckpointState(dir)
  } catch (error) {
    return (error as Error).message
  }
  if (!state) return `${dir} has no state.json`
  if (state.runId !== expect.runId) return `${dir} belongs to run ${state.runId}, not ${expect.runId}`
  if (state.configHash !== expect.configHash)
    return `${dir} was written for another config (hash ${state.configHash.slice(0, 12)}…)`
  for (const entry of [state.files.model, state.files.optimizer, state.files.best]) {
    if (!entry) continue
    const file = join(dir, entry.file)
    const data = await readFile(file).catch(() => null)
    if (!data) return `${file} is missing`
    const expected = entry.bytes ?? entry.specs.reduce((sum, s) => sum + s.shape.reduce((a, b) => a * b, 1) * 4, 0)
    if (data.byteLength !== expected) return `${file} has ${data.byteLength} bytes, ${expected} expected (truncated)`
    if (entry.sha256 && sha256(data) !== entry.sha256) return `${file} does not match its checksum (damaged)`
  }
  return null
}

/**
 * The checkpoint to resume from: the newest generation if it is whole and belongs to this run and
 * config, else the previous one; null when there is none (the run starts from its first epoch).
 * When every checkpoint on disk is refused, this throws with the reasons rather than start over silently.
 */
export async function findUsableCheckpoint(
  dir: string,
  expect: { runId: string; configHash: string },
): Promise<UsableCheckpoint | null> {
  const refused: string[] = []
  for (const candidate of [dir, `${dir}${PREVIOUS_SUFFIX}`]) {
    if (!existsSync(candidate)) continue
    const problem = await problemWith(candidate, expect)
    if (!problem) return { dir: candidate, state: (await readCheckpointState(candidate))!, refused }
    refused.push(problem)
  }
  if (refused.length > 0) throw new Error(`no usable checkpoint: ${refused.join('; ')}`)
  return null
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
  const slots = weights.filter((w) => !w.name.startsWith(ADAM_POWER_PREFIX))
  await optimizer.setWeights(slots.map((w) => ({ name: w.name.replace(/^\d+:/, ''), tensor: w.tensor })))
  // After setWeights, which recomputes them as pow(beta, t): the saved products are what an
  // uninterrupted run would multiply on with, bit for bit.
  const powers = adamPowerVariables(optimizer)
  for (const w of weights) {
    const target = powers?.[w.name.slice(ADAM_POWER_PREFIX.length) as 'accBeta1' | 'accBeta2']
    if (w.name.startsWith(ADAM_POWER_PREFIX) && target) target.assign(w.tensor)
  }
  // setWeights wraps each tensor in a new variable; the decoded tensors themselves are ours to free.
  tf.dispose(weights.map((w) => w.tensor))
}

import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { z } from 'zod'
import type { AnyEvent } from '@shared/contract'
import { BackendName, ExperimentConfig, INPUT_SIZES, InputSize } from '@shared/domain/config'
import type { RunDetail } from '@shared/domain/run'
import type { Core } from '../../core/core'
import { configFromPreset } from '../../experiments/presets'
import { CliError, type CliCommand, type CliContext } from '../command'

const USAGE = `usage: cifar-workbench [--data-dir DIR] [--backend NAME] train (--preset NAME | --config FILE) [options] [--json]
       cifar-workbench [--data-dir DIR] train --resume RUN [--json]

  --preset NAME         seed-cnn | mobilenetv2-transfer | squeezenet-transfer | vgg16-transfer, or a saved preset's id
  --config FILE         an experiment config (JSON, the ExperimentConfig schema); data.datasetId optional
  --dataset ID          dataset to train on (default: the only, else the first, imported dataset)
  --name NAME           run name
  --epochs N            epochs of phase 1 (training / frozen base)
  --train-size N        stratified subset of the training split (after the validation split)
  --batch-size N
  --lr X                learning rate of phase 1
  --input-size N        transfer: 32 | 64 | 96 | 128 | 160 | 224
  --fine-tune-layers N  transfer: fine-tune the last N layers of the base after phase 1
  --seed N              seed for initialisation and shuffling
  --backend NAME        tensorflow-gpu | webgpu | tensorflow | wasm | cpu
  --resume RUN          continue an interrupted, failed or cancelled run from its last checkpoint
                        (its own config, seed and backend; no other options apply)

The run is recorded in the run history exactly as the app records it. On a terminal a progress bar is
drawn; with --json every line is a JSON object: {"type":"progress",...,"imagesPerSecond"} per batch
(throttled), {"type":"epoch",...} per epoch, and last {"type":"run","id","status","evaluation",...}
whose evaluation.accuracy is the test accuracy. Ctrl-C cancels the run (finished epochs are kept).`

function int(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isInteger(n)) throw new CliError(`train: --${name} must be an integer (got "${value}")`, 2)
  return n
}

function num(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n)) throw new CliError(`train: --${name} must be a number (got "${value}")`, 2)
  return n
}

function issuesText(error: z.ZodError, where: string): string {
  return error.issues
    .slice(0, 4)
    .map((i) => `${where}${i.path.length ? ` ${i.path.join('.')}` : ''}: ${i.message}`)
    .join('; ')
}

async function pickDataset(core: Core, id: string | undefined): Promise<string> {
  const datasets = await core.call('datasets.list', {})
  if (id) {
    if (!datasets.some((d) => d.id === id))
      throw new CliError(`train: dataset "${id}" not found (have: ${datasets.map((d) => d.id).join(', ') || 'none'})`)
    return id
  }
  const first = datasets[0]
  if (!first)
    throw new CliError('train: no dataset imported yet; run `cifar-workbench dataset import PATH` (or `dataset download`) first')
  return first.id
}

async function loadConfigFile(file: string, datasetId: () => Promise<string>): Promise<ExperimentConfig> {
  const path = resolve(file)
  let raw: unknown
  try {
    raw = JSON.parse(await readFile(path, 'utf8'))
  } catch (error) {
    throw new CliError(`train: cannot read ${path}: ${(error as Error).message}`)
  }
  if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
    const obj = raw as Record<string, unknown>
    const data = (obj.data && typeof obj.data === 'object' ? obj.data : {}) as Record<string, unknown>
    if (typeof data.datasetId !== 'string') obj.data = { ...data, datasetId: await datasetId() }
    if (typeof obj.name !== 'string') obj.name = 'CLI run'
  }
  const parsed = ExperimentConfig.safeParse(raw)
  if (!parsed.success) throw new CliError(`train: ${issuesText(parsed.error, path)}`)
  return parsed.data
}

function applyOverrides(
  config: ExperimentConfig,
  v: Record<string, string | boolean | undefined>,
  backend: string | null,
): ExperimentConfig {
  const s = (k: string) => (typeof v[k] === 'string' ? v[k] : undefined)
  const raw: ExperimentConfig = structuredClone(config)
  if (s('name')) raw.name = s('name')!
  const epochs = int('epochs', s('epochs'))
  if (epochs !== undefined) raw.training.epochs = epochs
  const trainSize = int('train-size', s('train-size'))
  if (trainSize !== undefined) raw.data.trainSubset = trainSize
  const batch = int('batch-size', s('batch-size'))
  if (batch !== undefined) raw.training.batchSize = batch
  const lr = num('lr', s('lr'))
  if (lr !== undefined) raw.training.learningRate = lr
  const seed = int('seed', s('seed'))
  if (seed !== undefined) raw.training.seed = seed
  const inputSize = int('input-size', s('input-size'))
  const ftLayers = int('fine-tune-layers', s('fine-tune-layers'))
  if (inputSize !== undefined || ftLayers !== undefined) {
    if (raw.model.kind !== 'transfer')
      throw new CliError('train: --input-size and --fine-tune-layers apply to transfer models only')
    if (inputSize !== undefined) {
      const size = InputSize.safeParse(inputSize)
      if (!size.success) throw new CliError(`train: --input-size must be one of ${INPUT_SIZES.join(', ')} (got ${inputSize})`, 2)
      raw.model.inputSize = size.data
    }
    if (ftLayers !== undefined)
      raw.model.fineTune = {
        ...raw.model.fineTune,
        enabled: ftLayers > 0,
        trainableLayers: Math.max(1, ftLayers),
        fromLayer: null,
      }
  }
  if (backend) {
    const b = BackendName.safeParse(backend)
    if (!b.success)
      throw new CliError(`train: --backend must be tensorflow-gpu, webgpu, tensorflow, wasm or cpu (got "${backend}")`, 2)
    raw.backend = b.data
  }
  const parsed = ExperimentConfig.safeParse(raw)
  if (!parsed.success) throw new CliError(`train: ${issuesText(parsed.error, 'config')}`)
  return parsed.data
}

function bar(fraction: number, width = 24): string {
  const filled = Math.round(Math.max(0, Math.min(1, fraction)) * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
}

function pct(x: number | null | undefined): string {
  return x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`
}

/** The finished run as the last JSON line: the record without the (long) batch curve. */
function runLine(run: RunDetail): Record<string, unknown> {
  const { batchPoints, ...rest } = run
  return { type: 'run', ...rest, batchPointCount: batchPoints.length }
}

export const trainCommand: CliCommand = {
  name: 'train',
  summary: 'train a preset or a config file, recorded in the run history',
  usage: USAGE,
  async run(args: string[], ctx: CliContext): Promise<number> {
    let values: Record<string, string | boolean | undefined>
    try {
      values = parseArgs({
        args,
        options: {
          preset: { type: 'string' },
          config: { type: 'string' },
          dataset: { type: 'string' },
          name: { type: 'string' },
          epochs: { type: 'string' },
          'train-size': { type: 'string' },
          'batch-size': { type: 'string' },
          lr: { type: 'string' },
          'input-size': { type: 'string' },
          'fine-tune-layers': { type: 'string' },
          seed: { type: 'string' },
          backend: { type: 'string' },
          resume: { type: 'string' },
          json: { type: 'boolean' },
        },
        strict: true,
        allowPositionals: false,
      }).values
    } catch (error) {
      throw new CliError(`train: ${(error as Error).message}`, 2)
    }
    const json = ctx.json || values.json === true
    const resumeId = values.resume as string | undefined
    if (resumeId !== undefined) {
      const extra = Object.keys(values).filter((k) => k !== 'resume' && k !== 'json' && values[k] !== undefined)
      if (extra.length) throw new CliError(`train: --resume continues a run with its own config; drop --${extra.join(', --')}`, 2)
      const core = await ctx.core()
      const { runId } = await core.call('training.resume', { runId: resumeId })
      return followRun(core, runId, ctx, json)
    }
    const presetId = values.preset as string | undefined
    const configFile = values.config as string | undefined
    if (!presetId === !configFile)
      throw new CliError('train: give exactly one of --preset NAME, --config FILE or --resume RUN (see train --help)', 2)
    const core = await ctx.core()
    const datasetId = () => pickDataset(core, values.dataset as string | undefined)
    let config: ExperimentConfig
    if (presetId) {
      const presets = await core.call('training.presets', {})
      const preset = presets.find((p) => p.id === presetId)
      if (!preset) throw new CliError(`train: unknown preset "${presetId}" (have: ${presets.map((p) => p.id).join(', ')})`, 2)
      config = configFromPreset(preset, await datasetId(), await core.call('models.list', {}))
    } else {
      config = await loadConfigFile(configFile!, datasetId)
      if (values.dataset) config = { ...config, data: { ...config.data, datasetId: await datasetId() } }
    }
    config = applyOverrides(config, values, (values.backend as string | undefined) ?? ctx.backend)

    const { runIds } = await core.call('training.start', { config })
    return followRun(core, runIds[0]!, ctx, json)
  },
}

/** Prints a queued run's progress until it ends; exits 0 when it completed, 130 when cancelled. */
async function followRun(core: Core, runId: string, ctx: CliContext, json: boolean): Promise<number> {
  const tty = ctx.io.isTty && !json
  let lastLine = ''
  const finished = new Promise<void>((resolveDone) => {
    const unsubscribe = core.events.subscribe((e: AnyEvent) => {
      // What a transfer run cached, and how much of it sits in memory under the cache memory bound.
      if (e.event === 'job.progress' && e.payload.kind === 'feature-cache' && e.payload.jobId.endsWith(`-${runId}`)) {
        if (!json && e.payload.message) ctx.io.out(e.payload.message)
        return
      }
      if (e.event !== 'run.progress' || e.payload.runId !== runId) return
      const p = e.payload
      if (p.type === 'batch') {
        if (json) {
          ctx.io.out(
            JSON.stringify({
              type: 'progress',
              runId,
              phase: p.phase,
              epoch: p.epoch,
              batch: p.batch,
              batchesPerEpoch: p.batchesPerEpoch,
              loss: p.loss,
              accuracy: p.accuracy,
              learningRate: p.learningRate,
              imagesPerSecond: p.imagesPerSecond,
              etaSeconds: p.etaSeconds,
              backend: p.backend,
            }),
          )
        } else if (tty) {
          const eta = p.etaSeconds === null ? '' : ` eta ${Math.round(p.etaSeconds)}s`
          lastLine = `${p.phase} epoch ${p.epoch} ${bar(p.batch / p.batchesPerEpoch)} ${p.batch}/${p.batchesPerEpoch} loss ${p.loss.toFixed(4)} acc ${pct(p.accuracy)} ${p.imagesPerSecond.toFixed(0)} img/s${eta}`
          process.stdout.write(`\r${lastLine.padEnd(100)}`)
        }
      } else if (p.type === 'epoch') {
        const m = p.metric
        if (json) ctx.io.out(JSON.stringify({ type: 'epoch', runId, ...m, totalEpochs: p.totalEpochs }))
        else {
          if (tty) process.stdout.write('\r'.padEnd(101) + '\r')
          ctx.io.out(
            `${m.phase} epoch ${m.epoch}/${p.totalEpochs}: loss ${m.loss.toFixed(4)} acc ${pct(m.accuracy)}  val_loss ${m.valLoss?.toFixed(4) ?? '-'} val_acc ${pct(m.valAccuracy)}  ${m.imagesPerSecond.toFixed(0)} img/s  ${(m.durationMs / 1000).toFixed(1)}s`,
          )
        }
      } else if (p.type === 'status') {
        if (p.status === 'completed' || p.status === 'failed' || p.status === 'cancelled') {
          unsubscribe()
          resolveDone()
        } else if (!json && p.message) ctx.io.out(p.message)
      } else if (p.type === 'phase' && !json) {
        ctx.io.out(`run ${runId}: ${p.phase === 'train' ? 'training' : 'fine-tuning'} at lr ${p.learningRate} on ${p.backend}`)
      }
    })
  })
  const onSigint = () => {
    void core.call('training.cancel', { runId }).catch(() => undefined)
  }
  process.once('SIGINT', onSigint)
  try {
    await finished
  } finally {
    process.off('SIGINT', onSigint)
  }
  const run = await core.call('runs.get', { id: runId })
  if (json) ctx.io.out(JSON.stringify(runLine(run)))
  else {
    ctx.io.out(`run ${run.id} ${run.status}${run.failureMessage ? `: ${run.failureMessage}` : ''}`)
    if (run.evaluation) {
      const ev = run.evaluation
      ctx.io.out(
        `test accuracy ${pct(ev.accuracy)}, test loss ${ev.testLoss.toFixed(4)}, macro F1 ${ev.macro.f1.toFixed(3)}, ${ev.inferenceMsPerImage.toFixed(2)} ms/image`,
      )
      if (ev.overfitting)
        ctx.io.out(
          `overfitting gap ${pct(ev.overfitting.gap)} at epoch ${ev.overfitting.bestEpoch}; lowest val loss at epoch ${ev.overfitting.lowestValLossEpoch}`,
        )
    }
  }
  if (run.status === 'failed') throw new CliError(`run ${run.id} failed: ${run.failureMessage ?? 'unknown error'}`)
  return run.status === 'completed' ? 0 : 130
}

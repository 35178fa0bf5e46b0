import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { z } from 'zod'
import { RunSortKey } from '@shared/contract'
import { RunStatus, type RunDetail, type RunSummary } from '@shared/domain/run'
import { readBundle, writeBundle } from '../../store/bundle-files'
import { CliError, type CliCommand, type CliContext } from '../command'
import { EXPORT_MODEL_USAGE, exportModelCommand } from './export-model'
import { EXPLAIN_USAGE, explainCommand } from './explain'

const USAGE = `usage: cifar-workbench [--data-dir DIR] runs SUBCOMMAND [options] [--json]

  list   [--status S[,S…]] [--kind scratch|transfer] [--tag TAG] [--text TEXT]
         [--sort KEY] [--asc] [--limit N] [--offset N]
         runs, newest first; KEY: ${RunSortKey.options.join(', ')}
  show   ID                        one run: config, metrics per epoch, evaluation
  tag    ID [--add TAG]… [--remove TAG]…
  note   ID TEXT                   replace the run's notes ("" clears them)
  delete ID…                       delete runs with their checkpoints and exported models
  export ID… --out FILE.json|DIR   a portable bundle (DIR: manifest.json + <id>-epochs.csv)
  import FILE.json|DIR             import a bundle; runs already present are skipped
${EXPORT_MODEL_USAGE}
${EXPLAIN_USAGE}

  --json   machine-readable output (list: an array of runs; show: one run with "epochs" and "evaluation")`

function parse<O extends NonNullable<ParseArgsConfig['options']>>(sub: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, strict: true, allowPositionals: true })
  } catch (error) {
    throw new CliError(`runs ${sub}: ${error instanceof Error ? error.message : String(error)}`, 2)
  }
}

function intOption(sub: string, name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`runs ${sub}: --${name} must be an integer from ${min} to ${max} (got "${value}")`, 2)
  return n
}

function oneOf<T extends string>(sub: string, name: string, value: string | undefined, options: readonly T[]): T | undefined {
  if (value === undefined) return undefined
  if (!(options as readonly string[]).includes(value))
    throw new CliError(`runs ${sub}: --${name} must be one of ${options.join(', ')} (got "${value}")`, 2)
  return value as T
}

const pct = (v: number | null): string => (v === null ? '—' : `${(v * 100).toFixed(1)}%`)
const num = (v: number | null, digits = 4): string => (v === null ? '—' : v.toFixed(digits))

function summaryTable(runs: RunSummary[]): string {
  const header = ['ID', 'NAME', 'STATUS', 'KIND', 'EPOCHS', 'VAL ACC', 'BEST VAL', 'TEST ACC', 'TAGS']
  const rows = runs.map((r) => [
    r.id,
    r.name.length > 32 ? `${r.name.slice(0, 31)}…` : r.name,
    r.status,
    r.modelKind,
    String(r.epochsDone),
    pct(r.final.valAccuracy),
    pct(r.bestValAccuracy),
    pct(r.testAccuracy),
    r.tags.join(','),
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)))
  return [header, ...rows]
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function detailText(r: RunDetail): string {
  const lines = [
    `run         ${r.id}  ${r.name}`,
    `status      ${r.status}${r.failureMessage ? ` (${r.failureMessage})` : ''}`,
    `model       ${r.modelKind}${r.baseId ? ` on ${r.baseId}` : ''}, ${r.totalParams ?? '?'} params (${r.trainableParams ?? '?'} trainable)`,
    `dataset     ${r.datasetId}${r.sizes ? ` (train ${r.sizes.train}, validation ${r.sizes.validation}, test ${r.sizes.test})` : ''}`,
    `backend     ${r.backend ?? '—'}${r.device ? ` on ${r.device}` : ''}`,
    `config      ${r.configHash.slice(0, 12)}, seed ${r.seed}`,
    `created     ${r.createdAt}${r.wallTimeMs !== null ? `, wall time ${(r.wallTimeMs / 1000).toFixed(1)} s` : ''}`,
    `tags        ${r.tags.join(', ') || '—'}`,
  ]
  const pinned = r.modelSummary?.inferenceBatchNorm
  if (pinned)
    lines.splice(
      3,
      0,
      `            BatchNorm in inference mode: the base's ${pinned} BatchNormalization layers keep their moving statistics`,
    )
  if (r.notes) lines.push(`notes       ${r.notes.split('\n').join('\n            ')}`)
  if (r.epochs.length > 0) {
    lines.push('', 'epoch  phase     loss     acc      val loss  val acc  lr        s/epoch  img/s')
    for (const e of r.epochs) {
      lines.push(
        [
          String(e.epoch).padEnd(5),
          e.phase.padEnd(8),
          num(e.loss).padEnd(8),
          pct(e.accuracy).padEnd(8),
          num(e.valLoss).padEnd(9),
          pct(e.valAccuracy).padEnd(8),
          e.learningRate.toExponential(1).padEnd(9),
          (e.durationMs / 1000).toFixed(1).padEnd(8),
          e.imagesPerSecond.toFixed(0),
        ].join('  '),
      )
    }
  }
  if (r.evaluation) {
    const ev = r.evaluation
    lines.push(
      '',
      `test        accuracy ${pct(ev.accuracy)}, loss ${num(ev.testLoss)}, macro F1 ${num(ev.macro.f1, 3)}, ${ev.inferenceMsPerImage.toFixed(2)} ms/image`,
    )
  }
  return lines.join('\n')
}

async function list(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parse('list', args, {
    status: { type: 'string' },
    kind: { type: 'string' },
    tag: { type: 'string' },
    text: { type: 'string' },
    sort: { type: 'string' },
    asc: { type: 'boolean' },
    limit: { type: 'string' },
    offset: { type: 'string' },
  })
  if (positionals.length > 0) throw new CliError(`runs list: unexpected argument "${positionals[0]}"`, 2)
  const status = values.status?.split(',').map((s) => s.trim())
  for (const s of status ?? []) oneOf('list', 'status', s, RunStatus.options)
  const core = await ctx.core()
  const result = await core.call('runs.list', {
    status: status as z.infer<typeof RunStatus>[] | undefined,
    modelKind: oneOf('list', 'kind', values.kind, ['scratch', 'transfer'] as const),
    tag: values.tag,
    text: values.text,
    sortBy: oneOf('list', 'sort', values.sort, RunSortKey.options),
    sortDir: values.asc ? 'asc' : 'desc',
    limit: intOption('list', 'limit', values.limit, 1, 1000),
    offset: intOption('list', 'offset', values.offset, 0, Number.MAX_SAFE_INTEGER),
  })
  if (ctx.json || values.json) ctx.io.out(JSON.stringify(result.items))
  else if (result.items.length === 0) ctx.io.out(result.total === 0 ? 'no runs' : `no runs on this page (${result.total} in all)`)
  else {
    ctx.io.out(summaryTable(result.items))
    if (result.total > result.items.length)
      ctx.io.out(`(${result.items.length} of ${result.total}; use --offset/--limit for more)`)
  }
  return 0
}

function oneId(sub: string, positionals: string[], extra = 0): string {
  const id = positionals[0]
  if (!id) throw new CliError(`runs ${sub}: give a run id (see cifar-workbench runs list)`, 2)
  if (positionals.length > 1 + extra) throw new CliError(`runs ${sub}: unexpected argument "${positionals[1 + extra]}"`, 2)
  return id
}

export const runsCommand: CliCommand = {
  name: 'runs',
  summary: 'list, show, tag, annotate, delete, export and import training runs; export a trained model, explain it with Grad-CAM',
  usage: USAGE,
  async run(argv, ctx) {
    const [sub, ...args] = argv
    const json = ctx.json || args.includes('--json')
    const print = (value: unknown, text: string) => ctx.io.out(json ? JSON.stringify(value) : text)
    switch (sub) {
      case 'list':
        return list(args, ctx)
      case 'show': {
        const { positionals } = parse('show', args, {})
        const run = await (await ctx.core()).call('runs.get', { id: oneId('show', positionals) })
        print(run, detailText(run))
        return 0
      }
      case 'tag': {
        const { values, positionals } = parse('tag', args, {
          add: { type: 'string', multiple: true },
          remove: { type: 'string', multiple: true },
        })
        const id = oneId('tag', positionals)
        if (!values.add?.length && !values.remove?.length) throw new CliError('runs tag: give --add TAG and/or --remove TAG', 2)
        const run = await (await ctx.core()).call('runs.tag', { id, add: values.add ?? [], remove: values.remove ?? [] })
        print(run, `${run.id}: tags ${run.tags.join(', ') || '(none)'}`)
        return 0
      }
      case 'note': {
        const { positionals } = parse('note', args, {})
        const id = oneId('note', positionals, 1)
        const notes = positionals[1]
        if (notes === undefined) throw new CliError('runs note: give the notes text after the run id ("" clears them)', 2)
        const run = await (await ctx.core()).call('runs.note', { id, notes })
        print(run, `${run.id}: notes saved`)
        return 0
      }
      case 'delete': {
        const { positionals } = parse('delete', args, {})
        if (positionals.length === 0) throw new CliError('runs delete: give one or more run ids', 2)
        const result = await (await ctx.core()).call('runs.delete', { ids: positionals })
        print(result, `deleted ${result.deleted} run${result.deleted === 1 ? '' : 's'}`)
        return 0
      }
      case 'export': {
        const { values, positionals } = parse('export', args, { out: { type: 'string', short: 'o' } })
        if (positionals.length === 0) throw new CliError('runs export: give one or more run ids', 2)
        if (!values.out) throw new CliError('runs export: give --out FILE.json or --out DIR', 2)
        const bundle = await (await ctx.core()).call('runs.export', { ids: positionals })
        const files = writeBundle(bundle, values.out)
        print({ runs: bundle.runs.map((r) => r.id), files }, `exported ${bundle.runs.length} run(s) to ${values.out}`)
        return 0
      }
      case 'import': {
        const { positionals } = parse('import', args, {})
        const path = positionals[0]
        if (!path || positionals.length > 1) throw new CliError('runs import: give one bundle file or folder', 2)
        const bundle = readBundle(path)
        const result = await (await ctx.core()).call('runs.import', { bundle })
        print(
          result,
          `imported ${result.imported.length} run(s)` +
            (result.skipped.length ? `, skipped ${result.skipped.length} already present (${result.skipped.join(', ')})` : ''),
        )
        return 0
      }
      case 'export-model':
        return exportModelCommand(args, ctx)
      case 'explain':
        return explainCommand(args, ctx)
      case undefined:
        ctx.io.out(USAGE)
        return 2
      default:
        throw new CliError(
          `runs: unknown subcommand "${sub}" (list, show, tag, note, delete, export, import, export-model, explain)`,
          2,
        )
    }
  },
}

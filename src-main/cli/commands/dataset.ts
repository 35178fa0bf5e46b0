import { randomUUID } from 'node:crypto'
import { resolve } from 'node:path'
import { parseArgs, type ParseArgsConfig } from 'node:util'
import type { DatasetInfo } from '@shared/domain/dataset'
import { CliError, type CliCommand, type CliContext } from '../command'

const USAGE = `usage: cifar-workbench [--data-dir DIR] dataset SUBCOMMAND [options] [--json]

  import PATH [--name N] [--image-size S] [--test-ratio R] [--split-seed N]
                  PATH: CIFAR-10 binary or python (.tar.gz or folder), or images per class
                  (train/<class>/*, test/<class>/* or <class>/*) as a folder, .tar, .tar.gz or .zip;
                  --image-size resizes images of folders (default 32); --test-ratio splits
                  one-folder-per-class sets (default 0.2)
  import --keras  import Keras' cache (~/.keras/datasets/cifar-10-batches-py)
  download [--url URL]   download the official CIFAR-10 binary archive, check its MD5, import it
  list            datasets with their classes and counts
  show ID         one dataset: classes, counts per split and class, source, cache size
  delete ID       remove a dataset and its cache

  --json   machine-readable output (list: an array of datasets with classNames and counts per split and class)`

function parse<O extends NonNullable<ParseArgsConfig['options']>>(sub: string, args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...options, json: { type: 'boolean' } }, strict: true, allowPositionals: true })
  } catch (error) {
    throw new CliError(`dataset ${sub}: ${error instanceof Error ? error.message : String(error)}`, 2)
  }
}

function numberOption(sub: string, name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (value.trim() === '' || !Number.isFinite(n))
    throw new CliError(`dataset ${sub}: --${name} must be a number (got "${value}")`, 2)
  return n
}

function one(sub: string, positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new CliError(`dataset ${sub}: give exactly one ${what} (see dataset --help)`, 2)
  return positionals[0]!
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

function listText(items: DatasetInfo[]): string {
  if (items.length === 0) return 'no datasets yet (try: cifar-workbench dataset import PATH, or dataset download)'
  const header = ['ID', 'NAME', 'KIND', 'CLASSES', 'TRAIN', 'TEST', 'SIZE']
  const rows = items.map((d) => [
    d.id,
    d.name,
    d.source.kind,
    String(d.classNames.length),
    String(d.totals.train),
    String(d.totals.test),
    `${d.imageSize.height}x${d.imageSize.width}`,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  return [header, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

function showText(d: DatasetInfo): string {
  const width = Math.max(5, ...d.classNames.map((c) => c.length))
  return [
    `dataset   ${d.id}  ${d.name}`,
    `source    ${d.source.kind}: ${d.source.path}`,
    `sha256    ${d.source.sha256}`,
    `images    ${d.imageSize.height}x${d.imageSize.width}x${d.imageSize.channels}, train ${d.totals.train}, test ${d.totals.test}`,
    `cache     ${mb(d.sizeBytes)}, created ${d.createdAt}`,
    '',
    `${'#'.padEnd(3)} ${'class'.padEnd(width)}  ${'train'.padStart(6)}  ${'test'.padStart(6)}`,
    ...d.classNames.map(
      (c, i) =>
        `${String(i).padEnd(3)} ${c.padEnd(width)}  ${String(d.counts.train[i] ?? 0).padStart(6)}  ${String(d.counts.test[i] ?? 0).padStart(6)}`,
    ),
  ].join('\n')
}

/** Runs a job and shows its job.progress events as one updating line on a terminal. */
async function withProgress<T>(ctx: CliContext, jobId: string, work: () => Promise<T>): Promise<T> {
  const core = await ctx.core()
  const live = ctx.io.isTty && !ctx.json
  const unsubscribe = core.events.subscribe((e) => {
    if (!live || e.event !== 'job.progress' || e.payload.jobId !== jobId) return
    const p = e.payload
    const amount = p.total ? `${Math.floor((100 * p.done) / p.total)}% (${p.done}/${p.total})` : p.done ? String(p.done) : ''
    process.stderr.write(`\r\x1b[2K${p.stage}: ${p.message ?? ''} ${amount}`.trimEnd())
  })
  const onSigint = () => void core.call('datasets.cancel', { jobId }).catch(() => {})
  process.once('SIGINT', onSigint)
  try {
    return await work()
  } finally {
    process.off('SIGINT', onSigint)
    unsubscribe()
    if (live) process.stderr.write('\r\x1b[2K')
  }
}

function printInfo(ctx: CliContext, info: DatasetInfo, verb: string): void {
  if (ctx.json) ctx.io.out(JSON.stringify(info, null, 2))
  else
    ctx.io.out(
      `${verb} ${info.id} (${info.name}): ${info.classNames.length} classes, train ${info.totals.train}, test ${info.totals.test}`,
    )
}

export const datasetCommand: CliCommand = {
  name: 'dataset',
  summary: 'import, download, list, show and delete datasets',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args
    switch (sub) {
      case 'import': {
        const { values, positionals } = parse(sub, rest, {
          name: { type: 'string' },
          'image-size': { type: 'string' },
          'test-ratio': { type: 'string' },
          'split-seed': { type: 'string' },
          keras: { type: 'boolean' },
        })
        const core = await ctx.core()
        let path: string
        if (values.keras) {
          if (positionals.length) throw new CliError('dataset import: give PATH or --keras, not both', 2)
          const found = (await core.call('datasets.findKerasCache', {})).path
          if (!found)
            throw new CliError('dataset import --keras: no cifar-10-batches-py in $KERAS_HOME/datasets or ~/.keras/datasets')
          path = found
        } else path = resolve(one(sub, positionals, 'PATH'))
        const jobId = randomUUID()
        const known = new Set((await core.call('datasets.list', {})).map((d) => d.id))
        const info = await withProgress(ctx, jobId, () =>
          core.call('datasets.import', {
            path,
            jobId,
            name: values.name,
            imageSize: numberOption(sub, 'image-size', values['image-size']),
            testRatio: numberOption(sub, 'test-ratio', values['test-ratio']),
            splitSeed: numberOption(sub, 'split-seed', values['split-seed']),
          }),
        )
        // The same source again succeeds with the dataset it already is (scripts re-run imports).
        printInfo(ctx, info, known.has(info.id) ? 'already imported:' : 'imported')
        return 0
      }
      case 'download': {
        const { values, positionals } = parse(sub, rest, { url: { type: 'string' } })
        if (positionals.length) throw new CliError('dataset download: takes no arguments', 2)
        const core = await ctx.core()
        const jobId = randomUUID()
        const info = await withProgress(ctx, jobId, () => core.call('datasets.download', { url: values.url, jobId }))
        printInfo(ctx, info, 'downloaded and imported')
        return 0
      }
      case 'list': {
        const { positionals } = parse(sub, rest, {})
        if (positionals.length) throw new CliError('dataset list: takes no arguments', 2)
        const items = await (await ctx.core()).call('datasets.list', {})
        ctx.io.out(ctx.json ? JSON.stringify(items, null, 2) : listText(items))
        return 0
      }
      case 'show': {
        const { positionals } = parse(sub, rest, {})
        const info = await (await ctx.core()).call('datasets.get', { id: one(sub, positionals, 'dataset ID') })
        ctx.io.out(ctx.json ? JSON.stringify(info, null, 2) : showText(info))
        return 0
      }
      case 'delete': {
        const { positionals } = parse(sub, rest, {})
        const id = one(sub, positionals, 'dataset ID')
        await (await ctx.core()).call('datasets.delete', { id })
        ctx.io.out(ctx.json ? JSON.stringify({ deleted: id }) : `deleted ${id}`)
        return 0
      }
      default:
        throw new CliError(sub ? `dataset: unknown subcommand "${sub}" (see dataset --help)` : USAGE, 2)
    }
  },
}

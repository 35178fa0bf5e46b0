import { parseArgs } from 'node:util'
import { randomUUID } from 'node:crypto'
import { BaseFamily, type BaseModelInfo } from '@shared/index'
import { formatSummary } from '../../engine/architectures/summary'
import { CliError, type CliCommand } from '../command'

const USAGE = `usage: cifar-workbench [--data-dir DIR] models SUBCOMMAND [--json]

Registers the pretrained bases that transfer-learning experiments start from.

  models import PATH [--name NAME] [--arch A | --family F]
                     a TensorFlow.js LayersModel folder (model.json + shards), e.g.
                     resources/bases/mobilenetv2-imagenet, a Keras Applications .h5 file
                     (VGG16, MobileNetV2, ResNet50 or EfficientNetB0 no-top, Keras 2 or Keras 3
                     layout) or a timm state_dict as .safetensors (resnet18, resnet50,
                     efficientnet_b0, mobilenetv3_large_100); validated, copied into the data
                     directory, hashed and summarised. The architecture is recognised from the
                     layer or tensor names; --arch names it (a timm model name for .safetensors,
                     a Keras family for .h5)
  models list        the registered bases
  models show ID     one base with its layer-by-layer summary
  models download NAME
                     vgg16 | mobilenetv2: take the Keras file from ~/.keras/models or download the
                     canonical one (hash checked) and register it
  models delete ID   unregister a base and delete its copied files

  --json             machine-readable output`

const OPTIONS = {
  name: { type: 'string' },
  family: { type: 'string' },
  arch: { type: 'string' },
  json: { type: 'boolean' },
} as const

/** Parse a subcommand's arguments; only `import` takes --name/--family/--arch. */
function parse(args: string[], allowNamed = false) {
  try {
    const parsed = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true })
    const { name, family, arch } = parsed.values
    if (!allowNamed && (name !== undefined || family !== undefined || arch !== undefined)) {
      throw new Error('--name, --family and --arch belong to "models import"')
    }
    if (family !== undefined && arch !== undefined) throw new Error('give --arch or --family, not both')
    return parsed
  } catch (error) {
    throw new CliError(`models: ${(error as Error).message}`, 2)
  }
}

/** The family --family names, or the one --arch names for this kind of file (timm's names for .safetensors). */
function familyOption(path: string, values: { family?: string | undefined; arch?: string | undefined }) {
  if (values.arch !== undefined) {
    const timm = /\.safetensors$/i.test(path)
    const family = BaseFamily.safeParse(timm ? `timm-${values.arch}` : values.arch)
    const choices = BaseFamily.options.filter((f) => f !== 'custom' && f.startsWith('timm-') === timm)
    if (!family.success || family.data === 'custom') {
      const names = choices.map((f) => f.replace(/^timm-/, ''))
      throw new CliError(
        `models import: --arch for a ${timm ? '.safetensors' : 'Keras or tfjs'} file must be one of ${names.join(', ')}`,
        2,
      )
    }
    return family
  }
  const family = values.family === undefined ? undefined : BaseFamily.safeParse(values.family)
  if (family && !family.success) throw new CliError(`models import: --family must be one of ${BaseFamily.options.join(', ')}`, 2)
  return family
}

/** One base per line; a list pads each column to its longest entry so the rows line up. */
function oneLine(b: BaseModelInfo, _index = 0, all: readonly BaseModelInfo[] = [b]): string {
  const params = b.summary ? `${(b.summary.totalParams / 1e6).toFixed(2)}M params` : 'no summary'
  const width = (pick: (x: BaseModelInfo) => string) => Math.max(...all.map((x) => pick(x).length))
  return [
    b.id.padEnd(width((x) => x.id)),
    b.family.padEnd(width((x) => x.family)),
    b.format.padEnd(width((x) => x.format)),
    params.padEnd(16),
    `cut ${b.defaultCutLayer}  ${b.preprocessing}`,
  ].join(' ')
}

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'import, list, show, download and delete pretrained base models',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args
    const out = (value: unknown, text: string) => ctx.io.out(ctx.json ? JSON.stringify(value) : text)
    switch (sub) {
      case 'import': {
        const { values, positionals } = parse(rest, true)
        const path = positionals[0]
        if (!path || positionals.length > 1)
          throw new CliError('models import: give exactly one PATH (a model.json folder, an .h5 or a .safetensors file)', 2)
        const family = familyOption(path, values)
        const core = await ctx.core()
        const known = new Set((await core.call('models.list', {})).map((b) => b.id))
        const info = await core.call('models.import', {
          path,
          ...(typeof values.name === 'string' ? { name: values.name } : {}),
          ...(family?.success ? { family: family.data } : {}),
          jobId: randomUUID(),
        })
        // The same file again succeeds with the base it already is (scripts re-run imports).
        out(info, `${known.has(info.id) ? 'already registered' : 'registered'} ${oneLine(info)}\nsha256 ${info.sha256}`)
        return 0
      }
      case 'list': {
        parse(rest)
        const list = await (await ctx.core()).call('models.list', {})
        out(
          list,
          list.length === 0
            ? 'no base models registered (see: cifar-workbench models import --help)'
            : list.map(oneLine).join('\n'),
        )
        return 0
      }
      case 'show': {
        const { positionals } = parse(rest)
        if (positionals.length !== 1) throw new CliError('models show: give one ID (see: cifar-workbench models list)', 2)
        const info = await (await ctx.core()).call('models.get', { id: positionals[0]! })
        const text = [
          oneLine(info),
          `name ${info.name}`,
          `path ${info.path}`,
          `sha256 ${info.sha256}`,
          `source ${info.source}`,
          info.summary ? formatSummary(info.summary, `${info.id} up to ${info.defaultCutLayer}, at 224x224`) : '',
        ].join('\n')
        out(info, text)
        return 0
      }
      case 'download': {
        const { positionals } = parse(rest)
        const name = positionals[0]
        if (positionals.length !== 1 || (name !== 'vgg16' && name !== 'mobilenetv2')) {
          throw new CliError('models download: NAME must be vgg16 or mobilenetv2', 2)
        }
        const info = await (await ctx.core()).call('models.download', { name, jobId: randomUUID() })
        out(info, `registered ${oneLine(info)}\nsource ${info.source}`)
        return 0
      }
      case 'delete': {
        const { positionals } = parse(rest)
        if (positionals.length !== 1) throw new CliError('models delete: give one ID', 2)
        const result = await (await ctx.core()).call('models.delete', { id: positionals[0]! })
        out(result, `deleted ${positionals[0]}`)
        return 0
      }
      default:
        throw new CliError(`models: unknown subcommand "${sub ?? ''}" (import, list, show, download, delete)`, 2)
    }
  },
}

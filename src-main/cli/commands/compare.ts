import { writeFileSync } from 'node:fs'
import { extname, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { renderCompare } from '../../chart-render'
import { CliError, type CliCommand } from '../command'

const USAGE = `usage: cifar-workbench compare ID ID… [--export fig.png|fig.svg] [--csv metrics.csv] [--report report.html] [--group-seeds] [--title TEXT] [--json]

Renders the Compare figure of 1 to 10 runs headless, from the same chart definitions as the app:
overlaid validation curves (stable colour per run), per-class accuracy, accuracy vs parameters and
vs time, and for two runs the confusion-matrix difference. PNG is drawn at 2x.

options:
  --export FILE    the composed figure, .png or .svg
  --csv FILE       epoch metrics, one row per epoch per run
  --report FILE    self-contained HTML report (figure, metrics table, configs)
  --group-seeds    draw runs of the same config as mean ± std bands
  --title TEXT     figure title`

export const compareCommand: CliCommand = {
  name: 'compare',
  summary: 'export a comparison figure (PNG/SVG), metrics CSV and an HTML report',
  usage: USAGE,
  async run(args, ctx) {
    let parsed
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: {
          export: { type: 'string' },
          csv: { type: 'string' },
          report: { type: 'string' },
          title: { type: 'string' },
          'group-seeds': { type: 'boolean', default: false },
          json: { type: 'boolean', default: false },
        },
      })
    } catch (error) {
      throw new CliError(`compare: ${error instanceof Error ? error.message : String(error)}`, 2)
    }
    const { values, positionals: ids } = parsed
    if (ids.length < 1 || ids.length > 10) throw new CliError('compare: give 1 to 10 run ids', 2)
    if (!values.export && !values.csv && !values.report)
      throw new CliError('compare: nothing to write (give --export, --csv and/or --report)', 2)
    const figureExt = values.export ? extname(values.export).toLowerCase() : null
    if (figureExt !== null && figureExt !== '.png' && figureExt !== '.svg') {
      throw new CliError(`compare: --export must end in .png or .svg (got "${values.export}")`, 2)
    }
    const core = await ctx.core()
    const runs = await core.call('runs.compare', { ids })
    const groups = values['group-seeds'] ? await core.call('runs.groups', { ids }) : null
    const render = renderCompare(runs, { groups, ...(values.title ? { title: values.title } : {}) })
    const written: { kind: string; path: string; bytes: number }[] = []
    const write = (kind: string, file: string, data: string | Buffer) => {
      const path = resolve(file)
      writeFileSync(path, data)
      written.push({ kind, path, bytes: Buffer.byteLength(data) })
    }
    if (values.export) write('figure', values.export, figureExt === '.png' ? render.png() : render.svg())
    if (values.csv) write('csv', values.csv, render.csv())
    if (values.report) write('report', values.report, render.html())
    if (ctx.json) ctx.io.out(JSON.stringify({ runs: runs.map((r) => r.id), written }))
    else for (const w of written) ctx.io.out(`wrote ${w.kind}: ${w.path} (${w.bytes} bytes)`)
    return 0
  },
}

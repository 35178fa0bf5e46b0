import { parseArgs } from 'node:util'
import type { ReportWriteRequest } from '@shared/report/schema'
import { REPORT_LANGUAGES, type ReportLanguage } from '@shared/report/strings'
import { CliError, type CliCommand } from '../command'

const USAGE = `usage: cifar-workbench report ID [ID…] --out DIR [--lang en|es] [--bundle DIR|FILE.zip] [--title TEXT] [--grad-cam N] [--flips N] [--json]

Writes a report of 1 to 10 runs to hand in, in English or Spanish: the runs, the statistics sentence
(is the difference real?), the metrics table, each model's summary as Keras prints it, the training
curves, the Compare charts, the confusion matrices and their difference, the test images one run gets
right and the other wrong, Grad-CAM maps of a few test images side by side, and every configuration.

DIR (new or empty) receives report.html (self-contained: every image inside it, prints to PDF from a
browser), report.md and figures/ with the PNGs it shows.

options:
  --out DIR        the report's folder (must not exist, or be empty)
  --lang en|es     the report's language (default: the language set in Settings, else English)
  --bundle PATH    also the figure bundle: every chart as PNG, SVG and CSV, the epoch metrics and
                   each run's config; a folder (new or empty) or a file ending in .zip
  --title TEXT     the report's title
  --grad-cam N     test images explained with Grad-CAM per run, 0 to 8 (default 3); a run without a
                   saved model is left out with the reason
  --flips N        flipped images shown per direction, 0 to 48 (default 8)`

function count(value: string | undefined, flag: string, max: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value) || Number(value) > max)
    throw new CliError(`report: ${flag} must be a whole number from 0 to ${max} (got "${value}")`, 2)
  return Number(value)
}

export const reportCommand: CliCommand = {
  name: 'report',
  summary: 'write a report of runs (HTML, Markdown with figures) and the figure bundle',
  usage: USAGE,
  async run(args, ctx) {
    let parsed
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        options: {
          out: { type: 'string' },
          lang: { type: 'string' },
          bundle: { type: 'string' },
          title: { type: 'string' },
          'grad-cam': { type: 'string' },
          flips: { type: 'string' },
          json: { type: 'boolean', default: false },
        },
      })
    } catch (error) {
      throw new CliError(`report: ${error instanceof Error ? error.message : String(error)}`, 2)
    }
    const { values, positionals: ids } = parsed
    if (ids.length < 1 || ids.length > 10) throw new CliError('report: give 1 to 10 run ids', 2)
    if (!values.out) throw new CliError('report: give --out DIR, the folder to write the report into', 2)
    if (values.lang !== undefined && !(REPORT_LANGUAGES as readonly string[]).includes(values.lang))
      throw new CliError(`report: --lang must be one of ${REPORT_LANGUAGES.join(', ')} (got "${values.lang}")`, 2)
    const gradCamImages = count(values['grad-cam'], '--grad-cam', 8)
    const flipImages = count(values.flips, '--flips', 48)
    const core = await ctx.core()
    const lang = (values.lang as ReportLanguage | undefined) ?? (await core.call('system.getSettings', {})).locale ?? 'en'
    const request: ReportWriteRequest = {
      ids,
      lang,
      out: values.out,
      ...(values.bundle ? { bundle: values.bundle } : {}),
      ...(values.title ? { title: values.title } : {}),
      ...(gradCamImages !== undefined ? { gradCamImages } : {}),
      ...(flipImages !== undefined ? { flipImages } : {}),
    }
    const result = await core.call('report.write', request)
    if (ctx.json) {
      ctx.io.out(JSON.stringify(result))
      return 0
    }
    ctx.io.out(`wrote report: ${result.html}`)
    ctx.io.out(`wrote report: ${result.markdown} (${result.files.filter((f) => f.kind === 'figure').length} figures)`)
    if (result.bundle) ctx.io.out(`wrote bundle: ${result.bundle.path} (${result.bundle.entries} files)`)
    for (const o of result.omitted) ctx.io.out(`left out ${o.section}${o.runId ? ` of ${o.runId}` : ''}: ${o.reason}`)
    return 0
  },
}

import { parseArgs } from 'node:util'
import { ModelFormat } from '@shared/contract/inference-methods'
import { CliError, type CliContext } from '../command'

export const EXPORT_MODEL_USAGE = `  export-model ID --format tfjs|keras|onnx --out DIR
                                   the run's trained model, with README.txt and export.json on how to feed it`

/** `runs export-model RUN --format F --out DIR`. */
export async function exportModelCommand(args: string[], ctx: CliContext): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args,
      options: { format: { type: 'string', short: 'f' }, out: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
      strict: true,
      allowPositionals: true,
    })
  } catch (error) {
    throw new CliError(`runs export-model: ${(error as Error).message}`, 2)
  }
  const { values, positionals } = parsed
  const id = positionals[0]
  if (!id || positionals.length > 1) throw new CliError('runs export-model: give one run id', 2)
  const format = ModelFormat.safeParse(values.format)
  if (!format.success)
    throw new CliError(
      `runs export-model: --format must be one of ${ModelFormat.options.join(', ')}${values.format ? ` (got "${values.format}")` : ''}`,
      2,
    )
  if (!values.out) throw new CliError('runs export-model: give --out DIR (a new or empty folder)', 2)
  const result = await (await ctx.core()).call('inference.exportModel', { id, format: format.data, out: values.out })
  if (ctx.json || values.json) ctx.io.out(JSON.stringify(result))
  else
    ctx.io.out(
      `exported run ${id} as ${result.format} to ${result.dir}: ${result.files.map((f) => `${f.name} (${f.sizeBytes} bytes)`).join(', ')}`,
    )
  return 0
}

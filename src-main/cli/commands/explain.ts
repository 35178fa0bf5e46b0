import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CliError, type CliContext } from '../command'
import { heatmapPng } from '../../chart-render'

export const EXPLAIN_USAGE = `  explain ID --image N|PATH [--class NAME] [--layer NAME] --out HEAT.png
                                   Grad-CAM: where the model looks in test image N (or an image file),
                                   for the predicted class or NAME; --json prints the heatmap values`

/** `runs explain RUN --image N|PATH [--class NAME] [--layer NAME] --out heat.png [--json]`. */
export async function explainCommand(args: string[], ctx: CliContext): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args,
      options: {
        image: { type: 'string' },
        class: { type: 'string' },
        layer: { type: 'string' },
        out: { type: 'string', short: 'o' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: true,
    })
  } catch (error) {
    throw new CliError(`runs explain: ${(error as Error).message}`, 2)
  }
  const { values, positionals } = parsed
  const id = positionals[0]
  if (!id || positionals.length > 1) throw new CliError('runs explain: give one run id', 2)
  if (!values.image) throw new CliError('runs explain: give --image N (a test image index) or --image PATH (an image file)', 2)
  const json = ctx.json || values.json === true
  if (!values.out && !json) throw new CliError('runs explain: give --out HEAT.png (or --json for the values)', 2)
  const image = /^\d+$/.test(values.image) ? { datasetIndex: Number(values.image) } : { path: resolve(values.image) }
  const result = await (
    await ctx.core()
  ).call('inference.explain', {
    id,
    image,
    className: values.class,
    layer: values.layer,
  })
  if (values.out) writeFileSync(values.out, heatmapPng(result))
  if (json) {
    const { imageRgbBase64: _image, ...rest } = result
    ctx.io.out(JSON.stringify({ ...rest, out: values.out ? resolve(values.out) : null }))
  } else {
    const p = (v: number) => `${(v * 100).toFixed(1)}%`
    ctx.io.out(
      `run ${id}: predicted ${result.predicted.className} (${p(result.predicted.probability)})` +
        (result.trueClass ? `, true class ${result.trueClass}` : '') +
        `; Grad-CAM of ${result.explained.className} (${p(result.explained.probability)}) at layer ${result.layer} ` +
        `(${result.layerSize.width}x${result.layerSize.height}) written to ${values.out}`,
    )
  }
  return 0
}

import { basename } from 'node:path'
import { parseArgs } from 'node:util'
import { CliError, type CliCommand } from '../command'

const USAGE = `usage: cifar-workbench [--data-dir DIR] predict RUN IMAGE… [--top K] [--json]

  Classifies images (any size; JPEG, PNG or WebP) with a completed run's model. Each image is
  prepared as the run's training images were (resized to the dataset's size, scaled as the model
  expects, resized to its input). A broken or non-image file is reported and the others still run;
  the exit code is 1 when any image failed.

  --top K   classes shown per image (default 5)
  --json    one object: { runId, preparation, predictions: [{ name, ok, top | error }] }`

export const predictCommand: CliCommand = {
  name: 'predict',
  summary: "classify your own images with a run's model (top-5 with probabilities)",
  usage: USAGE,
  async run(argv, ctx) {
    let parsed
    try {
      parsed = parseArgs({
        args: argv,
        options: { top: { type: 'string', short: 'k' }, json: { type: 'boolean' } },
        strict: true,
        allowPositionals: true,
      })
    } catch (error) {
      throw new CliError(`predict: ${(error as Error).message}`, 2)
    }
    const { values, positionals } = parsed
    const [id, ...files] = positionals
    if (!id) throw new CliError('predict: give a run id and one or more image files', 2)
    if (files.length === 0) throw new CliError('predict: give one or more image files after the run id', 2)
    const topK = values.top === undefined ? 5 : Number(values.top)
    if (!Number.isInteger(topK) || topK < 1 || topK > 20)
      throw new CliError(`predict: --top must be an integer from 1 to 20 (got "${values.top}")`, 2)
    const result = await (
      await ctx.core()
    ).call('inference.predict', { id, topK, images: files.map((path) => ({ name: basename(path), path })) })
    if (ctx.json || values.json) ctx.io.out(JSON.stringify(result))
    else {
      ctx.io.out(`run ${result.runId}: images ${result.preparation}`)
      result.predictions.forEach((p, i) => {
        if (!p.ok) {
          ctx.io.out(`${files[i]}: error: ${p.error}`)
          return
        }
        ctx.io.out(`${files[i]} (${p.width}x${p.height})`)
        for (const t of p.top) ctx.io.out(`  ${(t.probability * 100).toFixed(1).padStart(5)}%  ${t.className}`)
      })
    }
    return result.predictions.every((p) => p.ok) ? 0 : 1
  },
}

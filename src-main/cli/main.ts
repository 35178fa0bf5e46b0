import { parseArgs } from 'node:util'
import { ContractError } from '@shared/contract'
import { createCore } from '../core/compose'
import type { Core } from '../core/core'
import { resolveDataDir } from '../core/data-dir'
import { CliError, type CliContext } from './command'
import { commands } from './commands'

const GLOBAL_USAGE = `cifar-workbench — CIFAR Workbench from the command line

usage: cifar-workbench [--data-dir DIR] [--backend NAME] [--json] COMMAND [args]

global options:
  --data-dir DIR   where runs, datasets and models live (env CIFAR_WORKBENCH_HOME; default ~/.cifar-workbench)
  --backend NAME   force tensorflow-gpu | webgpu | tensorflow | wasm | cpu
  --json           machine-readable output
  -h, --help       this help

commands:`

function usage(): string {
  const width = Math.max(...commands.map((c) => c.name.length), 6)
  return [GLOBAL_USAGE, ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`)].join('\n')
}

/** Entry point; returns the exit code. Global options may appear anywhere on the line. */
export async function main(argv: string[]): Promise<number> {
  const { values, tokens } = parseArgs({
    args: argv,
    options: {
      'data-dir': { type: 'string' },
      backend: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  // Strip the global options; everything else goes to the command.
  const globalNames = new Set(['data-dir', 'backend', 'json'])
  const rest: string[] = []
  for (const token of tokens ?? []) {
    if (token.kind === 'option' && globalNames.has(token.name)) continue
    if (token.kind === 'option')
      rest.push(token.rawName, ...(token.value !== undefined && token.inlineValue === false ? [token.value] : []))
    else if (token.kind === 'positional') rest.push(token.value)
    else rest.push('--')
  }
  const json = values.json === true
  const io = {
    out: (text: string) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
    err: (text: string) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
    isTty: Boolean(process.stdout.isTTY),
  }
  const [name, ...args] = rest
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    io.out(usage())
    return name ? 0 : 1
  }
  const command = commands.find((c) => c.name === name)
  if (!command) {
    io.err(`error: unknown command "${name}" (try cifar-workbench --help)`)
    return 2
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(command.usage)
    return 0
  }
  let core: Core | null = null
  try {
    const dataDir = resolveDataDir({ flag: typeof values['data-dir'] === 'string' ? values['data-dir'] : null })
    const backend = typeof values.backend === 'string' ? values.backend : null
    const ctx: CliContext = {
      json,
      dataDir,
      backend,
      io,
      async core() {
        core ??= await createCore({ dataDir, shell: 'cli', backend })
        return core
      },
    }
    return await command.run(args, ctx)
  } catch (error) {
    const message =
      error instanceof CliError || error instanceof ContractError || error instanceof Error ? error.message : String(error)
    const detail =
      error instanceof ContractError && error.issues?.length
        ? ` (${error.issues.map((i) => `${i.path || 'input'}: ${i.message}`).join('; ')})`
        : ''
    if (json)
      io.out(
        JSON.stringify({ error: { message: message + detail, code: error instanceof ContractError ? error.code : 'failed' } }),
      )
    io.err(`error: ${message}${detail}`.split('\n')[0]!)
    return error instanceof CliError ? error.exitCode : 1
  } finally {
    const opened = core as Core | null
    if (opened) await opened.close()
  }
}

import type { Core } from '../core/core'

export interface CliIo {
  /** stdout, one call per line or block. */
  out(text: string): void
  /** stderr. */
  err(text: string): void
  /** True when stdout is a terminal (progress bars); false when piped. */
  isTty: boolean
}

export interface CliContext {
  /** Opened lazily: `doctor` and `--help` should not need the store. */
  core(): Promise<Core>
  json: boolean
  dataDir: string
  backend: string | null
  io: CliIo
}

/** One top-level command (`doctor`, `runs`, `dataset`, `train`, `models`, `compare`). */
export interface CliCommand {
  name: string
  summary: string
  /** Full usage text shown by `cifar-workbench NAME --help`. */
  usage: string
  /** Returns the exit code. Throw CliError (or ContractError) for a one-line failure. */
  run(args: string[], ctx: CliContext): Promise<number>
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

import type { CliCommand } from '../command'

/** Every CLI command; each domain adds its own module here. */
export const commands: CliCommand[] = []

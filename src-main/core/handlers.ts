import type { z } from 'zod'
import type { Contract, MethodName, ParsedInput } from '@shared/contract'

export type Shell = 'electron' | 'browser' | 'cli'

export interface CallContext {
  shell: Shell
}

/** A handler receives validated input and returns the method's output (validated again on the way out). */
export type Handler<M extends MethodName> = (
  input: ParsedInput<M>,
  ctx: CallContext,
) => Promise<z.input<Contract[M]['output']>> | z.input<Contract[M]['output']>

export type Handlers = { [M in MethodName]: Handler<M> }

/** Handlers of one domain, e.g. every `runs.*` method. */
export type HandlerGroup<Prefix extends string> = {
  [M in MethodName as M extends `${Prefix}.${string}` ? M : never]: Handler<M>
}

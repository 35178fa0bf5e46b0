import {
  ContractError,
  contract,
  isMethodName,
  issuesOf,
  type CallResult,
  type Input,
  type MethodName,
  type Output,
} from '@shared/contract'
import type { EventBus } from './event-bus'
import type { CallContext, Handlers, Shell } from './handlers'

/** The core as every shell sees it: validated calls in, typed results and events out. */
export interface Core {
  readonly dataDir: string
  readonly shell: Shell
  readonly events: EventBus
  /** Untrusted entry point for transports: validates, never throws. */
  invoke(method: string, payload: unknown): Promise<CallResult<unknown>>
  /** Typed entry point for in-process callers (CLI, tests): throws ContractError. */
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>>
  close(): Promise<void>
}

export function toContractError(error: unknown): ContractError {
  if (error instanceof ContractError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new ContractError('internal', message)
}

export function createDispatcher(
  handlers: Handlers,
  context: CallContext,
): (method: string, payload: unknown) => Promise<CallResult<unknown>> {
  return async (method, payload) => {
    if (!isMethodName(method)) {
      return { ok: false, error: { code: 'unknown_method', message: `unknown method "${method}"` } }
    }
    const def = contract[method]
    const parsed = def.input.safeParse(payload ?? {})
    if (!parsed.success) {
      return {
        ok: false,
        error: { code: 'invalid_input', message: `invalid input for ${method}`, issues: issuesOf(parsed.error) },
      }
    }
    try {
      const handler = handlers[method] as (input: unknown, ctx: CallContext) => unknown
      const raw = await handler(parsed.data, context)
      const out = def.output.safeParse(raw)
      if (!out.success) {
        const detail = issuesOf(out.error)
          .slice(0, 3)
          .map((i) => `${i.path || '(root)'}: ${i.message}`)
          .join('; ')
        return { ok: false, error: { code: 'internal', message: `${method} returned an invalid result: ${detail}` } }
      }
      return { ok: true, value: out.data }
    } catch (error) {
      return { ok: false, error: toContractError(error).toJSON() }
    }
  }
}

import {
  ContractError,
  contract,
  methodNames,
  type AnyEvent,
  type Api,
  type EventName,
  type EventPayload,
  type Input,
  type MethodName,
  type Output,
} from '../contract'
import type { WorkbenchBridge } from './bridge'

export interface ApiClient {
  readonly shell: WorkbenchBridge['shell']
  readonly api: Api
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>>
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void
}

/**
 * The typed API derived from the contract over any bridge. Inputs are validated before they leave
 * (so forms and the core agree), results are unwrapped, errors re-thrown as ContractError.
 */
export function createApiClient(bridge: WorkbenchBridge): ApiClient {
  async function call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>> {
    const parsed = contract[method].input.safeParse(input ?? {})
    if (!parsed.success) {
      throw new ContractError(
        'invalid_input',
        `invalid input for ${method}`,
        parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      )
    }
    const result = await bridge.invoke(method, parsed.data)
    if (!result.ok) throw ContractError.from(result.error)
    return result.value as Output<M>
  }
  const api = Object.fromEntries(methodNames.map((m) => [m, (input: unknown) => call(m, input as never)])) as Api
  return {
    shell: bridge.shell,
    api,
    call,
    on(event, listener) {
      return bridge.subscribe((message: AnyEvent) => {
        if (message.event === event) listener(message.payload as never)
      })
    },
  }
}

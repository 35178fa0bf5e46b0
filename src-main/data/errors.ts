import { ContractError } from '@shared/contract'

/** A refused import: names the file and the problem; nothing has been registered. */
export function importFailed(file: string, problem: string): ContractError {
  return new ContractError('failed', `${file}: ${problem}`)
}

export function throwIfCancelled(signal: AbortSignal | undefined, what = 'import'): void {
  if (signal?.aborted) throw new ContractError('cancelled', `${what} cancelled`)
}

/** Reports progress of one stage of a job; done/total in the stage's own unit. */
export type ProgressFn = (stage: string, done: number, total: number | null, message?: string | null) => void

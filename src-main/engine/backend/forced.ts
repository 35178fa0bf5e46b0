import { z } from 'zod'
import { ContractError } from '@shared/contract'

/** Who forced a job's backend: the run's own configuration, the CLI's --backend, or the saved setting. */
export const BackendForcedBy = z.enum(['config', 'flag', 'setting'])
export type BackendForcedBy = z.infer<typeof BackendForcedBy>

const WHERE: Record<BackendForcedBy, string> = {
  config: "by the run's configuration",
  flag: 'by --backend',
  setting: 'in Settings → Engine; choose Automatic there to let the app pick',
}

/**
 * A forced backend that cannot start is an error, never a silent fallback to another one: this adds
 * where it was forced, so the user knows what to change.
 */
export function whereForced(error: unknown, forcedBy: BackendForcedBy | null): unknown {
  if (!forcedBy || !(error instanceof Error)) return error
  const message = `${error.message} (forced ${WHERE[forcedBy]})`
  return error instanceof ContractError ? new ContractError(error.code, message) : new Error(message, { cause: error })
}

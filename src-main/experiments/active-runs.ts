import { ContractError } from '@shared/contract'
import type { RunStore } from '../store'

/**
 * Refuses to delete a dataset or base that a queued or running run trains on, in this process or in
 * another one on the same data directory (the store is shared, so the check sees both).
 */
export function refuseIfInUse(runs: RunStore, what: { datasetId?: string; baseId?: string }, label: string): void {
  const active = runs.listRuns({ status: ['queued', 'running'], limit: 1000 }).items
  for (const summary of active) {
    const { config } = runs.getRun(summary.id)
    const uses =
      (what.datasetId !== undefined && config.data.datasetId === what.datasetId) ||
      (what.baseId !== undefined && config.model.kind === 'transfer' && config.model.baseId === what.baseId)
    if (uses) {
      throw new ContractError(
        'conflict',
        `${label} is used by run ${summary.id} (${summary.name}, ${summary.status}); delete it after that run ends`,
      )
    }
  }
}

import type { RunDetail } from '@shared/domain/run'
import type { Core } from '../../src-main/core/core'

/** The run once it is neither queued nor running (completed, failed, cancelled or interrupted). */
export async function waitFinal(core: Pick<Core, 'call'>, id: string, pollMs = 100): Promise<RunDetail> {
  for (;;) {
    const run = await core.call('runs.get', { id })
    if (run.status !== 'queued' && run.status !== 'running') return run
    await new Promise((r) => setTimeout(r, pollMs))
  }
}

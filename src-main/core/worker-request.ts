// The worker side of a watched worker (./watched-worker): while one request is in hand the worker
// sends a heartbeat every HEARTBEAT_MS (a thread stuck in native code sends none; an idle worker
// wakes no one), and a failure becomes the reply `failed` with the contract's error code.
import { ContractError, type ErrorCode } from '@shared/contract'
import { HEARTBEAT_MS } from './watched-worker'

export interface FailedReply {
  type: 'failed'
  code: ErrorCode
  message: string
}

export async function handleWithHeartbeat(
  beat: () => void,
  fail: (reply: FailedReply) => void,
  work: () => Promise<void>,
): Promise<void> {
  const heartbeat = setInterval(beat, HEARTBEAT_MS)
  try {
    await work()
  } catch (error) {
    fail({
      type: 'failed',
      code: error instanceof ContractError ? error.code : 'failed',
      message: (error as Error).message ?? String(error),
    })
  } finally {
    clearInterval(heartbeat)
  }
}

// The GPU engine's side of its MessagePort (src-shared/contract/gpu-engine.ts): answers `hello` with
// the adapter, runs step jobs one at a time, holds training sessions, and reports every step, result
// and fault as typed events. The desktop app's hidden page serves it on Chromium's WebGPU; tests serve
// it in Node on any backend. Only tfjs here (no Node API, no DOM).
import {
  GpuEngineRequest,
  type GpuEngineEvent,
  type GpuFaultKind,
  type GpuSessionCall,
  type GpuSessionResult,
  type GpuTrainJob,
} from '@shared/contract/gpu-engine'
import type { TrainingConfig } from '@shared/domain/config'
import type { WebGpuAdapterInfo } from '@shared/domain/system'
import * as tf from '../tf'
import { GpuSession } from './gpu-session'
import { runStepJob } from './step-job'

/** A fault with the contract's kind (a lost device, out of memory, no adapter). */
export class GpuFault extends Error {
  constructor(
    readonly kind: GpuFaultKind,
    message: string,
  ) {
    super(message)
  }
}

export interface GpuDevice {
  adapter: WebGpuAdapterInfo
  /** Rejects with GpuFault at the device's first fault; never resolves. */
  faulted: Promise<never>
}

export interface GpuEngineServerOptions {
  /** Makes the device tfjs' active backend; rejects (GpuFault 'no-adapter') when there is none fit to use. */
  startDevice(allowSoftwareAdapter: boolean): Promise<GpuDevice>
  createOptimizer(kind: TrainingConfig['optimizer'], learningRate: number): tf.Optimizer
  post(event: GpuEngineEvent, transfer: ArrayBuffer[]): void
  /** What the page shows of its state (the adapter, the job in flight); optional. */
  show?(what: 'state' | 'adapter' | 'job', text: string): void
}

function faultOf(error: unknown): { kind: GpuFaultKind; message: string } {
  if (error instanceof GpuFault) return { kind: error.kind, message: error.message }
  return { kind: 'failed', message: error instanceof Error ? error.message : String(error) }
}

/** The buffers of a result's arrays, handed over rather than copied. */
function buffersOf(result: GpuSessionResult): ArrayBuffer[] {
  if (result.call === 'state') return [...result.weights, ...(result.optimizer?.slots ?? [])].map((w) => w.values.buffer)
  if (result.call === 'evaluate' && result.probabilities) return [result.probabilities.buffer]
  return []
}

/** Returns the handler of one request; every outcome is posted, never thrown. */
export function gpuEngineServer(o: GpuEngineServerOptions): (message: unknown) => void {
  let device: GpuDevice | null = null
  /** The device's fault once it happened: the page shows it from then on and refuses new work with it. */
  let deviceFault: Error | null = null
  let running: string | null = null
  const cancelled = new Set<string>()
  const sessions = new Map<string, Promise<GpuSession>>()
  const show = (what: 'state' | 'adapter' | 'job', text: string): void => o.show?.(what, text)
  const fail = (jobId: string | null, error: unknown): void => {
    const fault = faultOf(error)
    show('state', `error (${fault.kind}): ${fault.message}`)
    o.post({ type: 'error', jobId, ...fault }, [])
  }
  const requireDevice = (what: string): GpuDevice => {
    if (!device) throw new GpuFault('failed', `${what} before hello: the engine has no device yet`)
    if (deviceFault) throw deviceFault
    return device
  }

  async function hello(allowSoftwareAdapter: boolean): Promise<void> {
    if (!device) {
      device = await o.startDevice(allowSoftwareAdapter)
      // Watched once per device: a fault between jobs still reaches the main process, which then
      // stops using this engine.
      device.faulted.catch((error: unknown) => {
        deviceFault = error instanceof Error ? error : new GpuFault('failed', String(error))
        if (running === null && sessions.size === 0) fail(null, error)
      })
    }
    const a = device.adapter
    show('adapter', `${a.vendor} ${a.architecture} ${a.description}${a.software ? ' (software)' : ''}`.trim())
    show('state', 'ready')
    o.post({ type: 'ready', adapter: a, tfjsBackend: 'webgpu' }, [])
  }

  async function train(job: GpuTrainJob): Promise<void> {
    const { faulted } = requireDevice('train')
    if (running !== null) throw new GpuFault('failed', `job ${running} is still running`)
    running = job.jobId
    const total = job.hyperparameters.steps
    try {
      show('state', 'training')
      const result = await runStepJob(job, {
        createOptimizer: (learningRate) => o.createOptimizer('adam', learningRate),
        faulted,
        shouldStop: () => cancelled.has(job.jobId),
        onStep(step, loss) {
          show('job', `${job.jobId}: step ${step + 1}/${total}, loss ${loss.toFixed(4)}`)
          o.post({ type: 'step', jobId: job.jobId, step, loss }, [])
        },
      })
      if (result.stopped) {
        o.post({ type: 'cancelled', jobId: job.jobId, steps: result.losses.length }, [])
      } else {
        const transfer = [...result.weights, ...result.optimizer.slots].map((w) => w.values.buffer)
        o.post(
          {
            type: 'done',
            jobId: job.jobId,
            backend: tf.getBackend(),
            losses: result.losses,
            weights: result.weights,
            optimizer: result.optimizer,
          },
          transfer,
        )
      }
      show('state', result.stopped ? 'cancelled' : 'ready')
    } finally {
      running = null
      cancelled.delete(job.jobId)
    }
  }

  /** One call of a session; a session's calls arrive one at a time (its owner awaits each). */
  async function session(sessionId: string, seq: number, call: GpuSessionCall): Promise<void> {
    // Closing frees the session's memory even after a fault; anything else needs a healthy device.
    const { faulted } = call.call === 'close' && device ? device : requireDevice('a session')
    let result: GpuSessionResult
    if (call.call === 'open') {
      if (sessions.has(sessionId)) throw new GpuFault('failed', `session ${sessionId} is already open`)
      const opening = GpuSession.open(call, { createOptimizer: (kind, rate) => o.createOptimizer(kind, rate), faulted })
      sessions.set(sessionId, opening)
      opening.catch(() => sessions.delete(sessionId))
      result = { call: 'open', trainableWeights: (await opening).trainableWeights }
      show('state', 'training')
      show('job', `run ${sessionId}: model built`)
    } else {
      const open = sessions.get(sessionId)
      // Closing a session the engine never opened (or already closed) leaves nothing to free.
      if (!open && call.call === 'close') result = { call: 'close' }
      else if (!open) throw new GpuFault('failed', `session ${sessionId} is not open`)
      else {
        const s = await open
        if (call.call === 'close') sessions.delete(sessionId)
        result = await s.handle(call)
        if (result.call === 'step') show('job', `run ${sessionId}: ${s.steps} steps, loss ${result.loss.toFixed(4)}`)
        if (call.call === 'close' && !deviceFault) show('state', sessions.size === 0 ? 'ready' : 'training')
      }
    }
    o.post({ type: 'session-result', sessionId, seq, result }, buffersOf(result))
  }

  return (message: unknown) => {
    const parsed = GpuEngineRequest.safeParse(message)
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
      fail(null, new GpuFault('invalid-message', `unreadable request: ${detail}`))
      return
    }
    const request = parsed.data
    switch (request.type) {
      case 'hello':
        hello(request.allowSoftwareAdapter).catch((error: unknown) => fail(null, error))
        return
      case 'train':
        train(request).catch((error: unknown) => fail(request.jobId, error))
        return
      case 'cancel':
        if (running === request.jobId) cancelled.add(request.jobId)
        return
      case 'session':
        session(request.sessionId, request.seq, request.call).catch((error: unknown) => fail(request.sessionId, error))
        return
    }
  }
}

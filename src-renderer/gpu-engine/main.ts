// The GPU engine page: trains on Chromium's WebGPU for the main process, which owns runs, the store and
// files. It receives one MessagePort (from its preload in the app, or from whoever hosts the page),
// answers `hello` with the adapter, runs `train` jobs one at a time and reports every step, the final
// weights and any fault as typed messages (src-shared/contract/gpu-engine.ts).
import { GPU_ENGINE_PORT_MESSAGE, GpuEngineRequest, type GpuEngineEvent, type GpuTrainJob } from '@shared/contract/gpu-engine'
import * as tf from '../../src-main/engine/tf'
import { runStepJob } from '../../src-main/engine/training/step-job'
import { GpuFault, startGpuDevice, type GpuDeviceSession } from './device'

// Keras' Adam defaults, as engine/training/optimizer.ts creates it; off wasm its fused optimizer is
// exactly tfjs' AdamOptimizer, so that is what runs here.
const createAdam = (learningRate: number): tf.Optimizer => tf.train.adam(learningRate, 0.9, 0.999, 1e-7)

const show = (id: 'state' | 'adapter' | 'job', text: string): void => {
  const element = document.getElementById(id)
  if (element) element.textContent = text
}

function faultOf(error: unknown): { kind: GpuFault['kind']; message: string } {
  if (error instanceof GpuFault) return { kind: error.kind, message: error.message }
  return { kind: 'failed', message: error instanceof Error ? error.message : String(error) }
}

function serve(port: MessagePort): void {
  let session: GpuDeviceSession | null = null
  let running: string | null = null
  const cancelled = new Set<string>()
  const post = (event: GpuEngineEvent, transfer: Transferable[] = []): void => port.postMessage(event, transfer)
  const fail = (jobId: string | null, error: unknown): void => {
    const fault = faultOf(error)
    show('state', `error (${fault.kind}): ${fault.message}`)
    post({ type: 'error', jobId, ...fault })
  }

  async function hello(allowSoftwareAdapter: boolean): Promise<void> {
    session ??= await startGpuDevice(allowSoftwareAdapter)
    const a = session.adapter
    show('adapter', `${a.vendor} ${a.architecture} ${a.description}${a.software ? ' (software)' : ''}`.trim())
    show('state', 'ready')
    // A fault between jobs still reaches the main process, which then stops using this page.
    session.faulted.catch((error: unknown) => {
      if (running === null) fail(null, error)
    })
    post({ type: 'ready', adapter: a, tfjsBackend: 'webgpu' })
  }

  async function train(job: GpuTrainJob): Promise<void> {
    if (!session) throw new GpuFault('failed', 'train before hello: the page has no device yet')
    if (running !== null) throw new GpuFault('failed', `job ${running} is still running`)
    running = job.jobId
    const total = job.hyperparameters.steps
    try {
      show('state', 'training')
      const result = await runStepJob(job, {
        createOptimizer: createAdam,
        faulted: session.faulted,
        shouldStop: () => cancelled.has(job.jobId),
        onStep(step, loss) {
          show('job', `${job.jobId}: step ${step + 1}/${total}, loss ${loss.toFixed(4)}`)
          post({ type: 'step', jobId: job.jobId, step, loss })
        },
      })
      if (result.stopped) {
        post({ type: 'cancelled', jobId: job.jobId, steps: result.losses.length })
      } else {
        const transfer = [...result.weights, ...result.optimizer.slots].map((w) => w.values.buffer)
        post(
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

  port.onmessage = (message: MessageEvent<unknown>) => {
    const parsed = GpuEngineRequest.safeParse(message.data)
    if (!parsed.success) {
      fail(
        null,
        new GpuFault(
          'invalid-message',
          `unreadable request: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
        ),
      )
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
    }
  }
  port.start()
  show('state', 'connected')
}

// The port arrives by window.postMessage from the same window (the preload's world, or a host page's
// script), never from another origin.
window.addEventListener('message', (event: MessageEvent<unknown>) => {
  if (event.source !== window || event.data !== GPU_ENGINE_PORT_MESSAGE || !event.ports[0]) return
  serve(event.ports[0])
})

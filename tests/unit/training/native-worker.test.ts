// A native (tfjs-node) run through the app's own path: TrainingService, the worker thread, the run
// store. The main event loop stays responsive while TensorFlow computes in the worker, and the
// threads setting reaches TensorFlow's thread pool.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig } from '@shared/domain/config'
import { EventLoopMonitor, type EventLoopLag } from '../../../src-main/experiments/event-loop'
import { nativeSkipReason, runNativeTests } from '../support/native-backend'
import { missingShared } from '../../support/shared-data'
import { CIFAR_ARCHIVE, MOBILENET } from './fixtures'
import { makeWorkspace, type Workspace } from './workspace'
import { waitFinal } from '../../support/runs'

const noShared = missingShared('native worker runs on real CIFAR-10', CIFAR_ARCHIVE, MOBILENET)
if (noShared === null && !runNativeTests) console.warn(`skipping native worker runs: ${nativeSkipReason}`)

/** The main thread's event-loop delay over `ms` with nothing of ours running: this machine's own noise. */
async function idleLag(ms: number): Promise<EventLoopLag> {
  const monitor = new EventLoopMonitor()
  monitor.start()
  await new Promise((r) => setTimeout(r, ms))
  monitor.stop()
  return monitor.read()!
}

describe.skipIf(noShared !== null || !runNativeTests)('a tensorflow run in the training worker', () => {
  let ws: Workspace
  beforeAll(async () => {
    ws = await makeWorkspace({ real: { train: 30, test: 3 } })
  })
  afterAll(async () => ws?.dispose())

  it('keeps the main event loop responsive: p99 lag < 50 ms beyond the idle machine’s own', async () => {
    const baseline = await idleLag(2000)
    const config = ExperimentConfig.parse({
      name: 'native responsiveness',
      data: { datasetId: ws.dataset.id, validationSplit: 0.2 },
      model: { kind: 'scratch' },
      training: { epochs: 2, batchSize: 16, seed: 5 },
      backend: 'tensorflow',
    })
    // Measured while TensorFlow trains: from the run's first batch to its end. The worker's start-up
    // (loading the 500 MB library) comes before and is left out.
    const monitor = new EventLoopMonitor()
    const unsubscribe = ws.core.events.subscribe((e) => {
      if (e.event === 'run.progress' && e.payload.type === 'batch') monitor.start()
    })
    const { runIds } = await ws.core.call('training.start', { config })
    const run = await waitFinal(ws.core, runIds[0]!)
    monitor.stop()
    unsubscribe()
    expect(run.status, run.failureMessage ?? '').toBe('completed')
    expect(run.backend).toBe('tensorflow')
    expect(run.epochs).toHaveLength(2)
    const lag = monitor.read()!
    expect(lag.samples).toBeGreaterThan(10)
    // What training adds to the delay the machine shows anyway (other processes share its cores).
    expect(lag.p99Ms - baseline.p99Ms, `p99 ${lag.p99Ms} ms during the run, ${baseline.p99Ms} ms idle`).toBeLessThan(50)
  })

  it('a tensorflow run forced in Settings trains in the worker; the threads setting reaches TensorFlow’s environment', async () => {
    await ws.core.call('system.updateSettings', { backend: 'tensorflow', threads: 1 })
    try {
      const config = ExperimentConfig.parse({
        name: 'native one thread',
        data: { datasetId: ws.dataset.id, validationSplit: 0.2 },
        model: { kind: 'scratch', convBlocks: 1, filters: [8], denseUnits: 16 },
        training: { epochs: 1, batchSize: 16, seed: 6 },
      })
      const { runIds } = await ws.core.call('training.start', { config })
      const run = await waitFinal(ws.core, runIds[0]!)
      expect(run.status, run.failureMessage ?? '').toBe('completed')
      expect(run.backend).toBe('tensorflow')
      // Native getenv sees it only when the main thread set it before the worker started.
      expect(process.env.TF_NUM_INTRAOP_THREADS).toBe('1')
    } finally {
      await ws.core.call('system.updateSettings', { backend: null, threads: null })
    }
  })
})

// The GPU engine page (the desktop app's hidden training window) in a real Chromium on its own WebGPU:
// it reports its adapter, refuses a software one unless allowed, rejects an unreadable message with a
// typed error, and trains the Seed CNN for a few Adam steps from weights and batches sent over a
// MessagePort, exactly as the main process would send them. The losses and weights it sends back
// must match the same job run by the engine in Node on wasm (same code: engine/training/step-job.ts).
// A cancel stops a job between steps; a crashed GPU process fails the job in flight as device-lost.
import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { GPU_ENGINE_PORT_MESSAGE, GpuEngineEvent, type GpuTrainJob } from '@shared/contract/gpu-engine'
import { SEED_CNN } from '@shared/domain/config'
import { initBackend } from '../../src-main/engine/backend'
import { buildScratchModel } from '../../src-main/engine/architectures/scratch'
import { createOptimizer } from '../../src-main/engine/training/optimizer'
import { readHostWeights as readWeights } from '../../src-main/engine/training/host-weights'
import { runStepJob } from '../../src-main/engine/training/step-job'
import { random } from '../unit/kernels/reference'
import {
  freshGpuEnginePage,
  launchGpuEngineBrowser,
  missingGpuEnginePage,
  type GpuEngineBrowser,
  type PageGlobals,
} from './support/gpu-engine-page'
import { screenshot } from './support/harness'

const LEARNING_RATE = 1e-3
// Measured where this was written (SwiftShader against wasm): losses 2.4e-7 relative, weights 0.014 lr.
const LOSS_TOLERANCE = 1e-5
const WEIGHT_TOLERANCE_LR = 0.5

const missing = missingGpuEnginePage('the GPU engine page test')

/** Two batches of 8 images in [-1, 1) with labels 0..9; four steps use each twice. */
async function seedCnnJob(): Promise<GpuTrainJob> {
  await initBackend('wasm', { threads: 1 })
  const model = buildScratchModel(SEED_CNN, { numClasses: 10, imageSize: 32, seed: 7 })
  const weights = await readWeights(model)
  model.dispose()
  const batches = [1, 2].map((seed) => ({
    x: random([8, 32, 32, 3], seed).values as Float32Array<ArrayBuffer>,
    shape: [8, 32, 32, 3] as [number, number, number, 3],
    labels: Int32Array.from({ length: 8 }, (_, i) => (i * 3 + seed) % 10),
  }))
  return {
    type: 'train',
    jobId: 'seed-cnn-steps',
    model: { config: SEED_CNN, numClasses: 10, imageSize: 32, seed: 7 },
    weights,
    batches,
    hyperparameters: { optimizer: 'adam', learningRate: LEARNING_RATE, steps: 4 },
  }
}

/**
 * What a host does (the app's preload, here this script): hands the page one end of a channel, then
 * sends the requests in order and collects every event until the last request is answered.
 */
async function talk(page: Page, requests: unknown[], until: number, cancelOnFirstStep = false): Promise<unknown[]> {
  return page.evaluate(
    async ({ tag, requests, until, cancelOnFirstStep }) => {
      const page = globalThis as unknown as PageGlobals
      const channel = new page.MessageChannel()
      page.postMessage(tag, '*', [channel.port2])
      const events: unknown[] = []
      let answered = 0
      return new Promise<unknown[]>((resolve) => {
        channel.port1.onmessage = (message) => {
          events.push(message.data)
          const { type, jobId } = message.data as { type: string; jobId?: string }
          // As the main process would when a user stops a run: the page stops after the step in flight.
          if (type === 'step' && cancelOnFirstStep && events.length === requests.length) {
            channel.port1.postMessage({ type: 'cancel', jobId }, [])
          }
          if (type !== 'step') answered++
          if (answered === until) resolve(events)
          else if (type !== 'step' && answered < requests.length) send(answered)
        }
        const send = (i: number): void => {
          const request = requests[i] as { batches?: unknown; weights?: unknown }
          const list = (value: unknown, key: string): ArrayBuffer[] =>
            Array.isArray(value) ? value.map((item: Record<string, Float32Array>) => item[key]!.buffer as ArrayBuffer) : []
          const transfer = [...list(request.weights, 'values'), ...list(request.batches, 'x')]
          channel.port1.postMessage(request, transfer)
        }
        send(0)
      })
    },
    { tag: GPU_ENGINE_PORT_MESSAGE, requests, until, cancelOnFirstStep },
  )
}

describe.skipIf(missing !== null)('the GPU engine page on Chromium WebGPU', () => {
  let browser: GpuEngineBrowser
  let context: BrowserContext
  let page: Page
  let pageErrors: string[]

  beforeAll(async () => {
    browser = await launchGpuEngineBrowser()
    ;({ context, page, pageErrors } = browser)
  })

  afterAll(async () => browser?.close())

  const freshPage = (ctx: { skip(): void }): Promise<boolean> => freshGpuEnginePage(browser, ctx)

  it("trains the Seed CNN on WebGPU and matches the engine's wasm steps", async (ctx) => {
    if (!(await freshPage(ctx))) return

    const job = await seedCnnJob()
    // The Node run reads the same arrays first: the page's copy is transferred away by postMessage.
    const wasm = await runStepJob(job, { createOptimizer: (lr) => createOptimizer('adam', lr) })
    // Weights that are not the model's: refused with the reason, and the page stays usable.
    const mismatched = {
      ...job,
      jobId: 'wrong-weights',
      weights: [{ name: 'block1_conv1/0', shape: [1], values: new Float32Array(1) }],
      batches: [{ ...job.batches[0]!, x: job.batches[0]!.x.slice(), labels: job.batches[0]!.labels.slice() }],
    }
    const events = (
      await talk(
        page,
        [
          { type: 'train', jobId: 'x', weights: 'not a tensor list' },
          { type: 'hello', allowSoftwareAdapter: false },
          { type: 'hello', allowSoftwareAdapter: true },
          mismatched,
          job,
        ],
        5,
      )
    ).map((e) => GpuEngineEvent.parse(e))

    const [invalid, refused, ready, wrong, ...rest] = events
    expect(invalid).toMatchObject({ type: 'error', jobId: null, kind: 'invalid-message' })
    expect(ready).toMatchObject({ type: 'ready', tfjsBackend: 'webgpu' })
    if (ready?.type !== 'ready') throw new Error('no ready event')
    if (ready.adapter.software) {
      // A software adapter is named and refused until the host allows it.
      expect(refused).toMatchObject({ type: 'error', kind: 'no-adapter' })
      expect(refused?.type === 'error' && refused.message).toContain('software')
    } else {
      expect(refused).toMatchObject({ type: 'ready' })
    }
    expect(wrong).toMatchObject({ type: 'error', jobId: 'wrong-weights', kind: 'failed' })
    expect(wrong?.type === 'error' && wrong.message).toBe('the job has 1 weights but the model has 8')
    const steps = rest.filter((e) => e.type === 'step')
    const done = rest.at(-1)
    if (done?.type !== 'done') throw new Error(`the job did not finish: ${JSON.stringify(done)}`)
    expect(done.backend).toBe('webgpu')
    expect(steps.map((s) => s.type === 'step' && s.step)).toEqual([0, 1, 2, 3])
    expect(steps.map((s) => s.type === 'step' && s.loss)).toEqual(done.losses)

    const lossError = Math.max(...done.losses.map((l, i) => Math.abs(l - wasm.losses[i]!) / Math.abs(wasm.losses[i]!)))
    let weightError = 0
    let moved = 0
    done.weights.forEach((w, i) => {
      const cpu = wasm.weights[i]!
      expect(w.name).toBe(cpu.name)
      expect(w.shape).toEqual(cpu.shape)
      const start = job.weights[i]!.values
      for (let j = 0; j < w.values.length; j++) {
        weightError = Math.max(weightError, Math.abs(w.values[j]! - cpu.values[j]!) / LEARNING_RATE)
        moved = Math.max(moved, Math.abs(cpu.values[j]! - start[j]!) / LEARNING_RATE)
      }
    })
    console.info(
      `webgpu losses ${done.losses.map((l) => l.toFixed(6)).join(' ')} (wasm ${wasm.losses.map((l) => l.toFixed(6)).join(' ')}); ` +
        `loss relative error ${lossError.toExponential(1)}, weights ${weightError.toExponential(1)} lr`,
    )
    // Training moved the weights (four Adam steps move most by about 4 lr): two trained models are compared.
    expect(moved).toBeGreaterThan(2)
    expect(lossError).toBeLessThan(LOSS_TOLERANCE)
    expect(weightError).toBeLessThan(WEIGHT_TOLERANCE_LR)
    expect(await page.locator('#state').textContent()).toBe('ready')
    expect(await page.locator('#job').textContent()).toContain('step 4/4')
    expect(pageErrors).toEqual([])
    await screenshot(page, 'gpu-engine-page')
  })

  it('two jobs chained by their optimizer state train as one job of both steps', async (ctx) => {
    if (!(await freshPage(ctx))) return
    const job = await seedCnnJob()
    // Copies: each postMessage transfers (detaches) the arrays it sends.
    const copy = (j: GpuTrainJob, jobId: string, steps: number): GpuTrainJob => ({
      ...j,
      jobId,
      weights: j.weights.map((w) => ({ ...w, values: w.values.slice() })),
      batches: j.batches.map((b) => ({ ...b, x: b.x.slice(), labels: b.labels.slice() })),
      hyperparameters: { ...j.hyperparameters, steps },
    })
    const hello = { type: 'hello', allowSoftwareAdapter: true }
    const first = (await talk(page, [hello, copy(job, 'whole', 2), copy(job, 'first-half', 1)], 3)).map((e) =>
      GpuEngineEvent.parse(e),
    )
    const whole = first.find((e) => e.type === 'done' && e.jobId === 'whole')
    const half = first.find((e) => e.type === 'done' && e.jobId === 'first-half')
    if (whole?.type !== 'done' || half?.type !== 'done') throw new Error(`jobs did not finish: ${JSON.stringify(first.at(-1))}`)
    expect(half.optimizer.iterations).toBe(1)
    // The whole job's second step trains on batch 1: the second job gets it first.
    const second = copy(job, 'second-half', 1)
    const rest = { ...second, batches: [...second.batches].reverse(), weights: half.weights, optimizer: half.optimizer }
    const events = (await talk(page, [hello, rest], 2)).map((e) => GpuEngineEvent.parse(e))
    const end = events.at(-1)
    if (end?.type !== 'done') throw new Error(`the second job did not finish: ${JSON.stringify(end)}`)
    expect([...half.losses, ...end.losses]).toEqual(whole.losses)
    expect(end.optimizer.iterations).toBe(2)
    end.weights.forEach((w, i) => expect(Array.from(w.values), w.name).toEqual(Array.from(whole.weights[i]!.values)))
    end.optimizer.slots.forEach((slot, i) =>
      expect(Array.from(slot.values), slot.name).toEqual(Array.from(whole.optimizer.slots[i]!.values)),
    )
  })

  it('stops a job when cancelled, after the step in flight', async (ctx) => {
    if (!(await freshPage(ctx))) return
    const job = { ...(await seedCnnJob()), jobId: 'cancelled-job' }
    job.hyperparameters = { ...job.hyperparameters, steps: 50 }
    const events = (await talk(page, [{ type: 'hello', allowSoftwareAdapter: true }, job], 2, true)).map((e) =>
      GpuEngineEvent.parse(e),
    )
    const end = events.at(-1)
    expect(end).toMatchObject({ type: 'cancelled', jobId: 'cancelled-job' })
    const steps = events.filter((e) => e.type === 'step').length
    expect(end?.type === 'cancelled' && end.steps).toBe(steps)
    expect(steps).toBeGreaterThanOrEqual(1)
    expect(steps).toBeLessThan(50)
    expect(await page.locator('#state').textContent()).toBe('cancelled')
  })

  it('fails the job in flight as device-lost when the GPU process crashes', async (ctx) => {
    if (!(await freshPage(ctx))) return
    const job = { ...(await seedCnnJob()), jobId: 'lost-device' }
    job.hyperparameters = { ...job.hyperparameters, steps: 60 }
    const events = talk(page, [{ type: 'hello', allowSoftwareAdapter: true }, job], 2)
    await page.locator('#job', { hasText: 'step 1/' }).waitFor()
    // Chromium's DevTools command that crashes its GPU process, which loses every device of every page.
    const devtools = await context.newCDPSession(page)
    await devtools.send('Browser.crashGpuProcess')
    const end = GpuEngineEvent.parse((await events).at(-1))
    console.info(`after the GPU process crashed: ${JSON.stringify(end)}`)
    expect(end).toMatchObject({ type: 'error', jobId: 'lost-device', kind: 'device-lost' })
    expect(await page.locator('#state').textContent()).toContain('error (device-lost)')
    await screenshot(page, 'gpu-engine-page-device-lost')
    await devtools.detach()
  })
})

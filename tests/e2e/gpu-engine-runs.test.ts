// Whole runs on the GPU engine page in a real Chromium on its own WebGPU (SwiftShader here), borrowed
// by the training service exactly as the desktop app lends its hidden window: the core and the run's
// worker in Node, every batch computed in the page. A Seed-CNN-style run and a transfer run with
// fine-tuning complete with the adapter in their record and follow the same runs on wasm; a crashed
// GPU process fails the run as a lost device with its checkpoint kept, and it resumes on wasm.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ExperimentConfig, type ExperimentConfigInput } from '@shared/domain/config'
import type { RunDetail } from '@shared/domain/run'
import { WEBGPU_ADAPTER_ENV } from '../../src-main/engine/backend/webgpu/adapter'
import { makeWorkspace, type Workspace } from '../unit/training/workspace'
import {
  freshGpuEnginePage,
  launchGpuEngineBrowser,
  missingGpuEnginePage,
  pageGpuHost,
  type GpuEngineBrowser,
} from './support/gpu-engine-page'
import { screenshot, startWorkbench } from './support/harness'
import { waitFinal } from '../support/runs'

const missing = missingGpuEnginePage('the runs on the GPU engine page')
// SwiftShader computes on the CPU: a run takes it only when software adapters are allowed.
const LOSS_TOLERANCE = 1e-3

describe.skipIf(missing !== null)('runs on the GPU engine page, lent by the training service', () => {
  let browser: GpuEngineBrowser
  let ws: Workspace
  let host: Awaited<ReturnType<typeof pageGpuHost>> | null = null
  const previous = process.env[WEBGPU_ADAPTER_ENV]

  beforeAll(async () => {
    process.env[WEBGPU_ADAPTER_ENV] = 'software'
    browser = await launchGpuEngineBrowser()
    ws = await makeWorkspace({
      perBatch: 12,
      gpuHost: {
        connect: (allow) => {
          if (!host) throw new Error('no GPU engine page yet')
          return host.connect(allow)
        },
      },
    })
  })
  afterAll(async () => {
    if (previous === undefined) delete process.env[WEBGPU_ADAPTER_ENV]
    else process.env[WEBGPU_ADAPTER_ENV] = previous
    await ws?.dispose()
    await browser?.close()
  })

  /** The page loaded afresh and connected as the app's host connects it; false when Chromium has no adapter. */
  async function freshHost(ctx: { skip(): void }): Promise<boolean> {
    if (!(await freshGpuEnginePage(browser, ctx))) return false
    await host?.page.close()
    host = await pageGpuHost(browser)
    return true
  }

  const config = (name: string, model: ExperimentConfigInput['model'], training: ExperimentConfigInput['training']) =>
    ExperimentConfig.parse({ name, data: { datasetId: ws.dataset.id, validationSplit: 0.2 }, model, training })

  async function train(backend: 'webgpu' | 'wasm', experiment: ExperimentConfig): Promise<RunDetail> {
    await ws.core.call('system.updateSettings', { backend })
    const { runIds } = await ws.core.call('training.start', { config: experiment })
    return waitFinal(ws.core, runIds[0]!)
  }

  function expectSameCurve(gpu: RunDetail, wasm: RunDetail): void {
    expect(gpu.epochs.map((e) => `${e.phase}:${e.epoch}`)).toEqual(wasm.epochs.map((e) => `${e.phase}:${e.epoch}`))
    gpu.epochs.forEach((e, i) => {
      const w = wasm.epochs[i]!
      expect(Math.abs(e.loss - w.loss) / w.loss, `epoch ${e.epoch} loss`).toBeLessThan(LOSS_TOLERANCE)
      expect(Math.abs(e.valLoss! - w.valLoss!) / w.valLoss!, `epoch ${e.epoch} validation loss`).toBeLessThan(LOSS_TOLERANCE)
    })
  }

  it('a small CNN trains in the page; the record names the adapter and the curve follows wasm', async (ctx) => {
    if (!(await freshHost(ctx))) return
    const experiment = config(
      'cnn on the page',
      { kind: 'scratch', filters: [8, 16], denseUnits: 32 },
      { epochs: 2, batchSize: 16, seed: 2 },
    )
    const gpu = await train('webgpu', experiment)
    expect(gpu.status, gpu.failureMessage ?? '').toBe('completed')
    expect(gpu.backend).toBe('webgpu')
    expect(gpu.device).toMatch(/SwiftShader/i)
    const doctor = await ws.core.call('system.doctor', {})
    expect(doctor).toMatchObject({ backend: 'webgpu', webgpu: { adapter: { software: true, api: 'chromium' } } })
    const wasm = await train('wasm', experiment)
    expect(wasm.backend).toBe('wasm')
    expectSameCurve(gpu, wasm)
    expect(gpu.evaluation!.accuracy).toBeCloseTo(wasm.evaluation!.accuracy, 6)
    const sessions = host!.events.filter((e) => e.type === 'session-result')
    expect(sessions.filter((e) => e.type === 'session-result' && e.result.call === 'step')).toHaveLength(6)
    expect(await host!.page.locator('#state').textContent()).toBe('ready')
    expect(browser.pageErrors).toEqual([])
  })

  it('a transfer run with fine-tuning builds its model on the base in the page and follows wasm', async (ctx) => {
    if (!(await freshHost(ctx))) return
    const experiment = config(
      'transfer on the page',
      {
        kind: 'transfer',
        baseId: ws.base.id,
        inputSize: 64,
        headUnits: 16,
        headDropout: 0,
        fineTune: { enabled: true, epochs: 1, learningRate: 5e-4, trainableLayers: 2 },
      },
      { epochs: 1, batchSize: 16, seed: 3 },
    )
    const gpu = await train('webgpu', experiment)
    expect(gpu.status, gpu.failureMessage ?? '').toBe('completed')
    expect(gpu.epochs.map((e) => e.phase)).toEqual(['train', 'finetune'])
    const wasm = await train('wasm', experiment)
    expectSameCurve(gpu, wasm)
  })

  it('a crashed GPU process fails the run as a lost device, keeps its checkpoint, and the run resumes on wasm', async (ctx) => {
    if (!(await freshHost(ctx))) return
    await ws.core.call('system.updateSettings', { backend: 'webgpu' })
    const experiment = config(
      'lost on the page',
      { kind: 'scratch', filters: [8, 16], denseUnits: 32 },
      { epochs: 3, batchSize: 16, seed: 4 },
    )
    const { runIds } = await ws.core.call('training.start', { config: experiment })
    const id = runIds[0]!
    const devtools = await browser.context.newCDPSession(host!.page)
    let crashed = false
    const off = ws.core.events.subscribe((e) => {
      if (crashed || e.event !== 'run.progress' || e.payload.type !== 'epoch' || e.payload.runId !== id) return
      crashed = true
      // Chromium's DevTools command that crashes its GPU process, which loses every device of every page.
      void devtools.send('Browser.crashGpuProcess')
    })
    const failed = await waitFinal(ws.core, id)
    off()
    expect(failed.status).toBe('failed')
    expect(failed.failureMessage).toMatch(/^the GPU device was lost/)
    expect(failed.artifacts.map((a) => a.kind)).toContain('checkpoint')
    expect(failed.epochs.length).toBeGreaterThanOrEqual(1)
    expect(await host!.page.locator('#state').textContent()).toContain('error (device-lost)')
    await screenshot(host!.page, 'gpu-engine-page-run-device-lost')
    await devtools.detach()

    await ws.core.call('system.updateSettings', { backend: 'wasm' })
    await ws.core.call('training.resume', { runId: id })
    const resumed = await waitFinal(ws.core, id)
    expect(resumed.status).toBe('completed')
    expect(resumed.backend).toBe('wasm')
    expect(resumed.epochs.map((e) => e.epoch)).toEqual([1, 2, 3])
  })

  it("Settings names the GPU engine window's adapter as the doctor reports it", async (ctx) => {
    if (!(await freshHost(ctx))) return
    await ws.core.call('system.updateSettings', { backend: 'webgpu' })
    const doctor = await ws.core.call('system.doctor', {})
    // Browser mode has no GPU engine window to lend; its socket answers the doctor with this core's report.
    const wb = await startWorkbench()
    try {
      await wb.page.routeWebSocket(/\/ws/, (socket) => {
        const real = socket.connectToServer()
        socket.onMessage((data) => {
          const frame = JSON.parse(String(data)) as { id: number; method: string }
          if (frame.method !== 'system.doctor') return real.send(data)
          socket.send(JSON.stringify({ id: frame.id, result: { ok: true, value: doctor } }))
        })
      })
      await wb.page.goto(`${wb.server.url.split('#')[0]}#/settings`)
      const line = wb.page.locator('[data-testid="doctor-webgpu"]')
      await line.waitFor()
      expect(await wb.page.locator('[data-testid="doctor-backend"]').textContent()).toBe('webgpu')
      const text = (await line.textContent()) ?? ''
      expect(text).toContain('google · swiftshader')
      expect(text).toContain("Chromium's WebGPU, in the app's GPU engine window")
      expect(text).not.toContain('Dawn')
      await line.scrollIntoViewIfNeeded()
      await screenshot(wb.page, 'settings-gpu-engine-window')
      expect(wb.errors).toEqual([])
    } finally {
      await wb.close()
    }
  })
})

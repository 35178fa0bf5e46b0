// Training throughput on webgpu against wasm, in images/s: Seed CNN training (32 px), VGG16's forward
// pass (32 px) and the mobilenetv2-transfer preset's fine-tuning phase (96 px, the shipped ImageNet
// base), each from the same weights on the same generated batches.
//   node bin/run-ts.mjs bench/webgpu.bench.ts           on a hardware adapter (the engine's choice)
//   node bin/run-ts.mjs bench/webgpu.bench.ts --smoke   one step each, to check it runs (no figures)
// A software adapter (WORKBENCH_WEBGPU_ADAPTER=software) computes on the CPU: its times are not speed
// figures, and the script prints none for it. The workloads live in ./device/workloads.ts, shared with
// the self-contained bundle for a GPU machine without Node.js (bench/device/README.md).
import { initBackend, webGpuReport } from '../src-main/engine/backend'
import { WORKLOADS, measure } from './device/workloads'

const smoke = process.argv.includes('--smoke')
const STEPS = smoke ? 1 : 10
const WARMUP = smoke ? 0 : 2

const report = await webGpuReport()
if (!report.adapter) {
  console.log(`bench:webgpu skipped: ${report.reason}`)
  process.exit(0)
}
const software = report.adapter.software
const adapterName = report.adapter.description || report.adapter.device
console.log(`adapter: ${adapterName} (${report.adapter.vendor || 'unknown vendor'}, Dawn ${report.adapter.api})`)
if (software) console.log('software adapter: its times are not speed figures; none are printed')
const rows: string[] = ['| workload | batch | webgpu images/s | wasm images/s |', '| --- | --- | --- | --- |']
for (const w of WORKLOADS) {
  const speeds: string[] = []
  for (const backend of ['webgpu', 'wasm'] as const) {
    await initBackend(backend)
    const { imagesPerSecond: speed } = await measure(w, { steps: STEPS, warmup: WARMUP })
    speeds.push(smoke || (software && backend === 'webgpu') ? '—' : speed.toFixed(1))
  }
  rows.push(`| ${w.name} (${w.size} px) | ${w.batch} | ${speeds.join(' | ')} |`)
  console.log(rows.at(-1))
}
console.log(rows.join('\n'))
process.exit(0)

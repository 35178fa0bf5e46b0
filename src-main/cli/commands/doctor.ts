import { parseArgs } from 'node:util'
import type { DoctorReport } from '@shared/domain/system'
import { CliError, type CliCommand } from '../command'

const USAGE = `usage: cifar-workbench [--data-dir DIR] [--backend NAME] doctor [--json]

Reports the engine backend that runs would use (and why the faster ones were skipped), threads, SIMD,
TensorFlow.js version, the libtensorflow a native backend loaded (version, file, origin), CPU and GPU, the
WebGPU adapter (vendor, architecture, device, limits) or why there is none, SQLite and the data directory.

  --json   print one JSON object (field "backend" names the backend chosen)`

function formatLibTensorflow(lib: DoctorReport['libtensorflow']): string {
  if (!lib) return 'none (no native backend package installed)'
  if (!lib.version) return `not loaded (${lib.package} installed; ${lib.source})`
  return `${lib.version} via ${lib.package}, ${lib.source}${lib.path ? `, ${lib.path}` : ''}`
}

function formatWebGpu(webgpu: DoctorReport['webgpu']): string[] {
  if (!webgpu) return []
  const a = webgpu.adapter
  if (!a) return [`webgpu         no adapter: ${webgpu.reason ?? 'unknown'}`]
  const name = [a.vendor, a.architecture, a.device].filter((s) => s.length > 0).join(' · ') || 'unnamed'
  const mib = (bytes: number): string => `${Math.round(bytes / 2 ** 20)} MiB`
  return [
    `webgpu         ${name}${a.software ? ' (software adapter)' : ''}`,
    `               ${a.description || '—'}; Dawn ${a.api}, ${a.featureLevel}`,
    `               max buffer ${mib(a.limits.maxBufferSize)}, storage binding ${mib(a.limits.maxStorageBufferBindingSize)}, ` +
      `${a.limits.maxStorageBuffersPerShaderStage} storage buffers/stage, workgroup ${a.limits.maxComputeInvocationsPerWorkgroup} invocations`,
  ]
}

function formatReport(r: DoctorReport): string {
  const lines = [
    `backend        ${r.backend}${r.forced ? ' (forced)' : ''}`,
    `threads        ${r.threads}`,
    `simd           ${r.simd ? 'yes' : 'no'}`,
    `tfjs           ${r.tfjsVersion}`,
    `libtensorflow  ${formatLibTensorflow(r.libtensorflow)}`,
    `cpu            ${r.cpuModel} × ${r.cpuCount}`,
    `gpu            ${r.gpuName ?? 'none'}`,
    ...formatWebGpu(r.webgpu),
    `platform       ${r.platform}, node ${r.nodeVersion}${r.electronVersion ? `, electron ${r.electronVersion}` : ''}`,
    `sqlite         ${r.sqliteVersion ?? 'not loadable'}`,
    `data dir       ${r.dataDir}`,
    `app            cifar-workbench ${r.appVersion}`,
    '',
    'backends (in the order tried):',
  ]
  for (const b of r.backends) {
    const mark = b.name === r.backend ? '→' : b.available ? '✓' : '✗'
    lines.push(
      `  ${mark} ${b.name.padEnd(15)}${b.reason ? `skipped: ${b.reason}` : b.name === r.backend ? 'chosen' : 'available'}`,
    )
  }
  return lines.join('\n')
}

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'show the engine backend, threads, SIMD, versions, CPU/GPU and data directory',
  usage: USAGE,
  async run(args, ctx) {
    let json = ctx.json
    try {
      const { values } = parseArgs({
        args,
        options: { json: { type: 'boolean', default: false } },
        strict: true,
        allowPositionals: false,
      })
      json ||= values.json === true
    } catch (error) {
      throw new CliError(`doctor: ${error instanceof Error ? error.message : String(error)}`, 2)
    }
    const core = await ctx.core()
    const report = await core.call('system.doctor', {})
    ctx.io.out(json ? JSON.stringify(report) : formatReport(report))
    return 0
  },
}

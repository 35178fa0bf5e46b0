// npm run bench:soak -- [--runs N] [--per-batch N] [--backend NAME]
// Many short runs in one process (bench/soak/soak.ts): resident memory, heap, tf tensors and open
// file descriptors after every run, and their growth after the first few runs.
import { cpus, totalmem } from 'node:os'
import { parseArgs } from 'node:util'
import { BackendName } from '@shared/domain/config'
import { makeWorkspace } from '../tests/unit/training/workspace'
import { growth, soak } from './soak/soak'

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '200' },
    'per-batch': { type: 'string', default: '24' },
    warmup: { type: 'string', default: '10' },
    backend: { type: 'string' },
  },
})
const runs = Number(values.runs)
const warmup = Number(values.warmup)
const backend = values.backend ? BackendName.parse(values.backend) : null
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1)
const sign = (bytes: number) => (bytes >= 0 ? '+' : '')

// Generated CIFAR-10 batches (5 x N training images, N test images) and the generated tiny base.
const ws = await makeWorkspace({ perBatch: Number(values['per-batch']) })
const started = Date.now()
try {
  const samples = await soak({
    dataDir: ws.dir,
    dataset: ws.dataset,
    base: ws.base,
    runs,
    backend,
    onSample: (s) => {
      if (s.run === 1 || s.run % 10 === 0 || s.status !== 'completed')
        console.log(
          `run ${String(s.run).padStart(4)}  ${s.kind.padEnd(36)} ${s.status.padEnd(10)} rss ${mb(s.rssBytes).padStart(7)} MB  ` +
            `anon ${mb(s.anonBytes).padStart(7)} MB  ` +
            `heap ${mb(s.heapUsedBytes).padStart(6)} MB  arrayBuffers ${mb(s.arrayBufferBytes).padStart(6)} MB  tensors ${s.tensors}  fds ${s.fds}`,
        )
    },
  })
  const g = growth(samples, warmup)
  const failed = samples.filter((s) => s.status !== 'completed')
  const peak = Math.max(...samples.map((s) => s.rssBytes))
  const heapAt = (run: number) => samples.find((s) => s.run === run)?.heapUsedBytes ?? 0
  console.log(
    [
      '',
      `machine: ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GB; node ${process.version}; ${new Date().toISOString()}`,
      `${runs} runs in ${((Date.now() - started) / 1000).toFixed(0)} s, ${failed.length} failed`,
      `after run ${warmup}: anonymous memory ${sign(g.anonBytes)}${mb(g.anonBytes)} MB (slope ${(g.anonSlopeBytesPerRun / 1024).toFixed(1)} KB/run), ` +
        `rss ${sign(g.rssBytes)}${mb(g.rssBytes)} MB, ` +
        `heap ${sign(g.heapUsedBytes)}${mb(g.heapUsedBytes)} MB, arrayBuffers ${sign(g.arrayBufferBytes)}${mb(g.arrayBufferBytes)} MB`,
      `tensors after each run: ${g.tensors.join(', ')}; open file descriptors: ${g.fds.join(', ')}; peak rss ${mb(peak)} MB`,
      `heap after run ${warmup}, ${Math.floor(runs / 2)}, ${runs}: ${[warmup, Math.floor(runs / 2), runs].map((r) => mb(heapAt(r))).join(', ')} MB`,
    ].join('\n'),
  )
  if (failed.length > 0 || g.tensors.length > 1 || g.fds.length > 1) process.exitCode = 1
} finally {
  await ws.dispose()
}

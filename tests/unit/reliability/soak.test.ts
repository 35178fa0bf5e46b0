import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { growth, soak, type SoakSample } from '../../../bench/soak/soak'
import { makeWorkspace, type Workspace } from '../training/workspace'

// 40 short runs in one process (from scratch, heads on cached features, fine-tuning from cached
// activations in memory and on disk): after the first few, no tensor and no file descriptor is left
// behind by any run, and resident memory does not grow with the number of runs.

const RUNS = 40
const WARMUP = 5

describe('many runs in one process', () => {
  let ws: Workspace
  beforeAll(async () => {
    ws = await makeWorkspace({ perBatch: 24 })
  })
  afterAll(async () => ws?.dispose())

  it(`${RUNS} runs leave tensors, file descriptors and resident memory where they were`, async () => {
    const samples: SoakSample[] = await soak({ dataDir: ws.dir, dataset: ws.dataset, base: ws.base, runs: RUNS })
    for (const s of samples) expect(s.status, `run ${s.run} (${s.kind})`).toBe('completed')
    const g = growth(samples, WARMUP)
    expect(g.tensors).toHaveLength(1)
    if (process.platform === 'linux') expect(g.fds).toHaveLength(1)
    // A leak of one training batch per run (32 x 32 x 32 x 3 float32 = 384 KB) would show in each.
    expect(g.anonSlopeBytesPerRun).toBeLessThan(256 * 1024)
    expect(g.anonBytes).toBeLessThan(16 * 1024 * 1024)
    expect(g.heapUsedBytes).toBeLessThan(8 * 1024 * 1024)
    expect(g.arrayBufferBytes).toBeLessThan(4 * 1024 * 1024)
  }, 600_000)
})

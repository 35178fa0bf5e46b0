// Dataset benchmark: `npm run bench:data`. Prints a Markdown report (paste into BENCHMARKS.md).
//   1. import all 60,000 images of ../shared/data/cifar10-jpg.tar.gz (fresh process: time, peak RSS)
//   2. reopen the cache (fresh process: store + manifest + arrays; and warm, in this process)
//   3. JPEG decoders on the same 5,000 files: jpeg-js (used) vs @napi-rs/canvas
//   4. augmentation throughput (images/s) vs a Seed CNN training step (images/s) on the same machine
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { cpus } from 'node:os'
import { join, resolve } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { Parser, type ReadEntry } from 'tar'
import jpeg from 'jpeg-js'
import { AugmentationConfig, SEED_CNN } from '@shared/domain/config'
import { Augmenter } from '../src-main/data/augment'
import { loadDatasetFromCache } from '../src-main/data/cache'
import { importDataset } from '../src-main/data/importer'
import { openStore } from '../src-main/store'
import { tempDir } from '../tests/unit/data/fixtures'

const repoRoot = resolve(import.meta.dirname, '..')
const archive = join(repoRoot, '../shared/data/cifar10-jpg.tar.gz')
const self = join(repoRoot, 'bench/data.bench.ts')
const runTs = join(repoRoot, 'bin/run-ts.mjs')
const peakRssMb = () => process.resourceUsage().maxRSS / 1024

// ---------------------------------------------------------------- child modes (fresh processes)
const [mode, arg] = process.argv.slice(2)
if (mode === '--child-import') {
  const store = openStore(join(arg!, 'workbench.sqlite'), { dataDir: arg! })
  const before = peakRssMb()
  const t = performance.now()
  const info = await importDataset(arg!, store.registry, archive, { imageSize: 32, testRatio: 0.2, splitSeed: 42 })
  const ms = performance.now() - t
  store.close()
  console.log(JSON.stringify({ ms, peakRssMb: peakRssMb(), baselineRssMb: before, id: info.id, totals: info.totals }))
  process.exit(0)
}
if (mode === '--child-reopen') {
  const t = performance.now()
  const store = openStore(join(arg!, 'workbench.sqlite'), { dataDir: arg! })
  const info = store.registry.listDatasets()[0]!
  const ds = await loadDatasetFromCache(arg!, info)
  const ms = performance.now() - t
  store.close()
  console.log(JSON.stringify({ ms, images: ds.train.count + ds.test.count }))
  process.exit(0)
}

// ---------------------------------------------------------------- main
if (!existsSync(archive)) {
  console.log(`skipped: ${archive} is not there`)
  process.exit(0)
}
const lines: string[] = []
const say = (text: string) => {
  lines.push(text)
  console.log(text)
}
const child = <T>(...args: string[]): T =>
  JSON.parse(
    execFileSync(process.execPath, [runTs, self, ...args], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!,
  ) as T
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

const dataDir = tempDir('cifar-data-bench-')
say(`## Datasets\n`)
say(
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}; machine shared with other work, so times are indicative. \`npm run bench:data\`.\n`,
)

// 1. import
const imp = child<{ ms: number; peakRssMb: number; baselineRssMb: number; totals: { train: number; test: number } }>(
  '--child-import',
  dataDir,
)
say('| measure | value |')
say('| --- | --- |')
say(
  `| import cifar10-jpg.tar.gz (${imp.totals.train + imp.totals.test} JPEGs → uint8 NHWC cache), fresh process | ${(imp.ms / 1000).toFixed(1)} s (${Math.round((imp.totals.train + imp.totals.test) / (imp.ms / 1000))} images/s) |`,
)
say(`| peak RSS of that process (before the import: ${imp.baselineRssMb.toFixed(0)} MB) | ${imp.peakRssMb.toFixed(0)} MB |`)

// 2. reopen
const cold = child<{ ms: number }>('--child-reopen', dataDir)
const store = openStore(join(dataDir, 'workbench.sqlite'), { dataDir })
const info = store.registry.listDatasets()[0]!
const warm: number[] = []
let loaded = await loadDatasetFromCache(dataDir, info)
for (let i = 0; i < 5; i++) {
  const t = performance.now()
  loaded = await loadDatasetFromCache(dataDir, info)
  warm.push(performance.now() - t)
}
store.close()
say(
  `| reopen: open store + read 60,000 cached images (${(info.sizeBytes / 1e6).toFixed(0)} MB), fresh process | ${cold.ms.toFixed(0)} ms (${(imp.ms / cold.ms).toFixed(0)}× faster than importing) |`,
)
say(`| reopen: loadDatasetFromCache only, warm, median of 5 | ${median(warm).toFixed(0)} ms |`)

// 3. decoders on the same files
const files: Buffer[] = []
const parser = new Parser({
  filter: (p: string) => p.endsWith('.jpg') && files.length < 5000,
  onReadEntry: (e: ReadEntry) => {
    const chunks: Buffer[] = []
    e.on('data', (c: Buffer) => chunks.push(c))
    e.on('end', () => files.push(Buffer.concat(chunks)))
  },
})
await new Promise<void>((res) => {
  parser.on('end', () => res())
  parser.end(gunzipSync(readFileSync(archive)))
})
let t = performance.now()
for (const f of files) jpeg.decode(f, { useTArray: true, formatAsRGBA: false, tolerantDecoding: false })
const jpegJs = (performance.now() - t) / files.length
let canvasNote: string
try {
  const { createCanvas, Image } = await import('@napi-rs/canvas')
  const ctx = createCanvas(32, 32).getContext('2d')
  t = performance.now()
  for (const f of files) {
    const img = new Image()
    img.src = f
    ctx.drawImage(img, 0, 0)
    ctx.getImageData(0, 0, 32, 32)
  }
  const canvas = (performance.now() - t) / files.length
  canvasNote = `${(canvas * 1000).toFixed(0)} µs/image (${(jpegJs / canvas).toFixed(1)}× faster)`
} catch (error) {
  canvasNote = `not loadable here: ${(error as Error).message}`
}
say(`| JPEG decode, jpeg-js (used), ${files.length} files | ${(jpegJs * 1000).toFixed(0)} µs/image |`)
say(`| JPEG decode, @napi-rs/canvas, same files | ${canvasNote} |`)

// 4. augmentation vs a training step
const config = AugmentationConfig.parse({
  enabled: true,
  rotationRange: 15,
  widthShiftRange: 0.1,
  heightShiftRange: 0.1,
  horizontalFlip: true,
  zoomRange: 0.1,
})
const batch = 64
const batches = 150
const pixels = loaded.train.images
const augRate = (interpolation: 'bilinear' | 'nearest', cfg = config) => {
  const aug = new Augmenter(cfg, 1, { interpolation })
  aug.augmentBatch(pixels, batch, 32, 32)
  const start = performance.now()
  for (let b = 0; b < batches; b++) aug.augmentBatch(pixels.subarray(b * batch * 3072, (b + 1) * batch * 3072), batch, 32, 32)
  return (batches * batch) / ((performance.now() - start) / 1000)
}
const bilinear = augRate('bilinear')
const nearest = augRate('nearest')
const flipShift = augRate(
  'bilinear',
  AugmentationConfig.parse({ enabled: true, widthShiftRange: 0.1, heightShiftRange: 0.1, horizontalFlip: true }),
)

let trainRate: number | null = null
let trainNote: string
try {
  const { initBackend } = await import('../src-main/engine/backend')
  const { buildModel } = await import('../src-main/engine/architectures')
  const tf = await import('../src-main/engine/tf')
  const status = await initBackend('wasm').catch(() => initBackend('cpu'))
  const built = buildModel(SEED_CNN, { numClasses: 10, imageSize: 32, seed: 1, base: null })
  built.model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy', metrics: ['accuracy'] })
  const x = tf.tensor4d(
    new Float32Array(batch * 3072).map((_, i) => (pixels[i] ?? 0) / 255),
    [batch, 32, 32, 3],
  )
  const y = tf.cast(tf.oneHot(tf.tensor1d(Array.from(loaded.train.labels.subarray(0, batch)), 'int32'), 10), 'float32')
  for (let i = 0; i < 2; i++) await built.model.trainOnBatch(x, y)
  const steps = 8
  const start = performance.now()
  for (let i = 0; i < steps; i++) await built.model.trainOnBatch(x, y)
  trainRate = (steps * batch) / ((performance.now() - start) / 1000)
  trainNote = `${status.name}${status.threads ? `, ${status.threads} thread${status.threads > 1 ? 's' : ''}` : ''}${status.simd ? ', SIMD' : ''}`
} catch (error) {
  trainNote = `unavailable: ${(error as Error).message}`
}
say(
  `| augmentation (rotation 15°, shifts 0.1, flip, zoom 0.1; bilinear, as Keras), batch ${batch}, 1 thread | ${Math.round(bilinear)} images/s |`,
)
say(`| same, nearest sampling | ${Math.round(nearest)} images/s |`)
say(`| shifts + flip only, bilinear | ${Math.round(flipShift)} images/s |`)
say(
  `| Seed CNN training step (trainOnBatch, batch ${batch}; ${trainNote}) | ${trainRate ? `${Math.round(trainRate)} images/s` : '—'} |`,
)
if (trainRate)
  say(
    `\nAugmentation keeps up: ${(bilinear / trainRate).toFixed(1)}× the training step's rate on one thread, so it costs about ${((100 * trainRate) / bilinear).toFixed(1)}% of a step's time when done in line.`,
  )
rmSync(dataDir, { recursive: true, force: true })

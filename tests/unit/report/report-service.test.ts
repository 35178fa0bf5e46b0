import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PNG } from 'pngjs'
import type { RunBundle } from '@shared/contract/methods'
import type { ModelSummary, RunDetail } from '@shared/domain/run'
import { describeStats } from '@shared/stats'
import { createCore } from '../../../src-main/core/compose'
import type { Core } from '../../../src-main/core/core'
import { openSource } from '../../../src-main/data/sources/archive'
import { fakeRun } from '../charts/fixtures'
import { expectWellFormedXml, markdownImages } from './support'

/** A Keras-like summary of the assignment's CNN (numbers from its layer shapes, not copied). */
function seedCnnSummary(): ModelSummary {
  const layers = [
    { name: 'input', className: 'InputLayer', outputShape: [null, 32, 32, 3], params: 0, trainable: true },
    { name: 'conv1', className: 'Conv2D', outputShape: [null, 32, 32, 32], params: 3 * 3 * 3 * 32 + 32, trainable: true },
    { name: 'pool1', className: 'MaxPooling2D', outputShape: [null, 16, 16, 32], params: 0, trainable: true },
    { name: 'flatten', className: 'Flatten', outputShape: [null, 8192], params: 0, trainable: true },
    { name: 'logits', className: 'Dense', outputShape: [null, 10], params: 8192 * 10 + 10, trainable: true },
  ]
  const total = layers.reduce((n, l) => n + l.params, 0)
  return { layers, totalParams: total, trainableParams: total, nonTrainableParams: 0, flopsPerImage: 1e6, sizeBytes: total * 4 }
}

describe('report.write on runs in a real store', () => {
  let dir: string
  let core: Core
  let runs: RunDetail[]

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cw-report-'))
    core = await createCore({ dataDir: join(dir, 'data'), shell: 'cli' })
    const scratch = { ...fakeRun({ id: 'rep-scratch', name: 'Seed CNN', epochs: 3 }), modelSummary: seedCnnSummary() }
    const transfer = fakeRun({ id: 'rep-transfer', name: 'MobileNetV2 transfer', epochs: 5, base: 0.6, kind: 'transfer' })
    const bundle: RunBundle = {
      format: 'cifar-workbench-runs',
      version: 1,
      exportedAt: new Date().toISOString(),
      appVersion: '0.1.0',
      runs: [scratch, transfer],
      epochCsv: {},
    }
    await core.call('runs.import', { bundle })
    runs = await core.call('runs.compare', { ids: ['rep-scratch', 'rep-transfer'] })
  })
  afterAll(async () => {
    await core?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('writes report.html, report.md with its figures, and the bundle as a zip', async () => {
    const out = join(dir, 'report-en')
    const zip = join(dir, 'bundle.zip')
    const result = await core.call('report.write', { ids: ['rep-scratch', 'rep-transfer'], out, bundle: zip })
    expect(result.folder).toBe(out)
    for (const f of result.files) expect(readFileSync(f.path).byteLength).toBe(f.bytes)

    const html = readFileSync(join(out, 'report.html'), 'utf8')
    expect(html).toMatch(/^<!doctype html>/)
    // Self-contained: no script, no stylesheet, image or font from anywhere but data: URLs.
    expect(html).not.toMatch(/<script|<link|src="(?!data:)|url\((?!#|data:)/i)
    const stats = await core.call('compare.stats', { ids: ['rep-scratch', 'rep-transfer'] })
    const sentence = describeStats(stats, 'en')
    expect(sentence).toContain('no per-image predictions')
    expect(html).toContain(`<p class="sentence" data-testid="report-sentence">${sentence}</p>`)
    // The model summary as Keras prints it, with the totals.
    expect(html).toContain('<th>conv1 (Conv2D)</th><td>(None, 32, 32, 32)</td><td>896</td><td>yes</td>')
    expect(html).toContain('Total params: 82,826 · Trainable params: 82,826 · Non-trainable params: 0')
    // The transfer run has none recorded and says so.
    expect(html).toContain('No model summary was recorded for this run.')
    // The metrics table marks the best value per row.
    expect(html).toContain(`<td class="best">${(runs[1]!.testAccuracy! * 100).toFixed(2)}%</td>`)
    // Neither run has a saved model or predictions: flips and Grad-CAM say why they are absent.
    // (compare.flips reads both runs' predictions at once and names whichever it missed first.)
    expect(html).toMatch(/No flipped images: no per-image predictions for run rep-(scratch|transfer)/)
    expect(html).toMatch(/No Grad-CAM for Seed CNN: run rep-scratch has no trained model/)
    expect(result.omitted.map((o) => [o.section, o.runId])).toEqual([
      ['flips', null],
      ['gradcam', 'rep-scratch'],
      ['gradcam', 'rep-transfer'],
      ['summary', 'rep-transfer'],
    ])
    // The configs, in full.
    expect(html).toContain('&quot;baseId&quot;: &quot;mobilenetv2&quot;')
    // Charts are embedded as SVG documents.
    const svgs = [...html.matchAll(/src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) =>
      Buffer.from(m[1]!, 'base64').toString(),
    )
    // 5 compare charts, 2 curves per run, 2 confusion matrices and their difference.
    expect(svgs).toHaveLength(5 + 4 + 3)
    for (const svg of svgs) expectWellFormedXml(svg)
    // Figures are numbered in reading order, so the text can cite them.
    expect(html).toContain('<figcaption>Figure 1. Seed CNN: Accuracy (%)</figcaption>')
    expect(html).toContain('<figcaption>Figure 12. Confusion matrix difference (Seed CNN − MobileNetV2 transfer)</figcaption>')

    const md = readFileSync(join(out, 'report.md'), 'utf8')
    expect(md).toContain(`> ${sentence.replace(/([\\`*_[\]|<>])/g, '\\$1')}`)
    expect(md).toContain('| conv1 (Conv2D) | (None, 32, 32, 32) | 896 | yes |')
    const images = markdownImages(md)
    expect(images).toHaveLength(12)
    for (const file of images) {
      const png = PNG.sync.read(readFileSync(join(out, file)))
      expect(png.width).toBeGreaterThan(600)
    }
    expect(readdirSync(join(out, 'figures')).sort()).toEqual(images.map((f) => f.replace('figures/', '')).sort())

    const bundle = await openSource(zip)
    const names = bundle.entries.filter((e) => !e.isDir).map((e) => e.path)
    const entry = (name: string) => bundle.entries.find((e) => e.path === name)!.data
    const manifest = JSON.parse(entry('manifest.json').toString()) as {
      figures: { id: string; png: string; svg: string; csv: string }[]
      gradCam: string[]
    }
    expect(manifest.figures).toHaveLength(12)
    expect(manifest.gradCam).toEqual([])
    for (const f of manifest.figures) {
      expect(names).toEqual(expect.arrayContaining([f.png, f.svg, f.csv]))
      const png = PNG.sync.read(entry(f.png))
      expect(png.width).toBe(2 * (f.id.includes('confusion') ? 640 : 800))
      expectWellFormedXml(entry(f.svg).toString())
    }
    // The validation-accuracy CSV has one row per epoch per run, in percent.
    const csv = entry('val-accuracy.csv').toString().trim().split('\n')
    expect(csv[0]).toBe('series,x,y')
    expect(csv.slice(1)).toEqual(runs.flatMap((r) => r.epochs.map((e) => `${r.name},${e.epoch},${e.valAccuracy! * 100}`)))
    // The confusion matrix CSV is the run's matrix with the class names.
    const matrix = entry('run1-confusion.csv').toString().trim().split('\n')
    expect(matrix).toHaveLength(11)
    expect(matrix[1]).toBe(`class0,${runs[0]!.evaluation!.confusionMatrix[0]!.join(',')}`)
    const diff = entry('confusion-difference.csv').toString().trim().split('\n')
    const expected = runs[0]!.evaluation!.confusionMatrix[2]!.map((v, j) => v - runs[1]!.evaluation!.confusionMatrix[2]![j]!)
    expect(diff[3]).toBe(`class2,${expected.join(',')}`)
    expect(JSON.parse(entry('configs/run2-mobilenetv2-transfer.json').toString())).toEqual(runs[1]!.config)
    expect(entry('epochs.csv').toString().trim().split('\n')).toHaveLength(1 + 3 + 5)
  })

  it('writes the report in Spanish, and the bundle as a folder', async () => {
    const out = join(dir, 'report-es')
    const bundle = join(dir, 'bundle-es')
    const result = await core.call('report.write', { ids: ['rep-scratch', 'rep-transfer'], out, bundle, lang: 'es' })
    const html = readFileSync(result.html, 'utf8')
    expect(html).toContain('<html lang="es">')
    expect(html).toContain('Resúmenes de los modelos')
    expect(html).toContain('Parámetros totales: 82.826')
    // Numbers and words in Spanish: decimal comma, the run's status.
    expect(html).toContain(`<td class="best">${(runs[1]!.testAccuracy! * 100).toFixed(2).replace('.', ',')} %</td>`)
    expect(html).toContain('<td>completada</td>')
    const stats = await core.call('compare.stats', { ids: ['rep-scratch', 'rep-transfer'] })
    expect(html).toContain(describeStats(stats, 'es'))
    expect(result.bundle).toEqual({
      path: bundle,
      kind: 'folder',
      entries: readdirSync(bundle, { recursive: true }).filter((f) => String(f).includes('.')).length,
    })
    const svg = readFileSync(join(bundle, 'val-accuracy.svg'), 'utf8')
    expect(svg).toContain('>Precisión de validación</text>')
  })

  it('refuses a folder that is not empty, a file in the way and an existing zip, and writes nothing', async () => {
    const busy = join(dir, 'busy')
    mkdirSync(busy)
    writeFileSync(join(busy, 'notes.txt'), 'mine')
    const ids = ['rep-scratch', 'rep-transfer']
    await expect(core.call('report.write', { ids, out: busy })).rejects.toThrow(/busy already exists and is not empty/)
    expect(readdirSync(busy)).toEqual(['notes.txt'])
    await expect(core.call('report.write', { ids, out: join(busy, 'notes.txt') })).rejects.toThrow(/is a file/)
    const zip = join(dir, 'taken.zip')
    writeFileSync(zip, 'x')
    const fresh = join(dir, 'fresh')
    await expect(core.call('report.write', { ids, out: fresh, bundle: zip })).rejects.toThrow(/taken\.zip already exists/)
    expect(existsSync(fresh)).toBe(false)
    await expect(core.call('report.write', { ids, out: fresh, bundle: fresh })).rejects.toThrow(/would mix with the report/)
    await expect(core.call('report.write', { ids: ['rep-scratch', 'nope'], out: fresh })).rejects.toThrow(/nope/)
    await expect(core.call('report.write', { ids: [], out: fresh })).rejects.toMatchObject({ code: 'invalid_input' })
    expect(existsSync(fresh)).toBe(false)
  })

  it('says which file it could not write and why', async () => {
    // A file where a folder of the path must be: the disk refuses and the message names the path.
    const file = join(dir, 'a-file')
    writeFileSync(file, 'not a folder')
    const out = join(file, 'report')
    await expect(core.call('report.write', { ids: ['rep-scratch'], out })).rejects.toThrow(
      `cannot write ${join(out, 'report.html')}: a part of the path is a file, not a folder`,
    )
  })

  it('packages the same report for a browser: the HTML and the bundle zip', async () => {
    const pkg = await core.call('report.package', { ids: ['rep-scratch', 'rep-transfer'] })
    expect(pkg.name).toBe('report-seed-cnn-vs-mobilenetv2-transfer')
    expect(pkg.html).toContain('data-testid="report-sentence"')
    const zip = join(dir, 'package.zip')
    writeFileSync(zip, Buffer.from(pkg.bundleZipBase64, 'base64'))
    const bundle = await openSource(zip)
    expect(bundle.entries.some((e) => e.path === 'val-loss.svg')).toBe(true)
  })
})

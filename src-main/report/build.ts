import { PNG } from 'pngjs'
import type { z } from 'zod'
import { metricRows, runLabels, type MetricRow } from '@shared/charts/compare'
import { epochMetricsCsv } from '@shared/charts/csv'
import type { ExplainResult } from '@shared/contract/inference-methods'
import type { ImageSample } from '@shared/domain/dataset'
import type { RunDetail } from '@shared/domain/run'
import {
  text,
  type ReportBlock,
  type ReportCell,
  type ReportDocument,
  type ReportImage,
  type ReportSection,
} from '@shared/report/document'
import { modelSummaryBlocks } from '@shared/report/model-summary'
import { panelCsv } from '@shared/report/panel-csv'
import type { ReportOmission, ReportOptions } from '@shared/report/schema'
import { reportStrings, type ReportLanguage, type ReportStrings } from '@shared/report/strings'
import { describeStats, type CompareStats, type Flips, type FlippedImage } from '@shared/stats'
import { heatmapPng, panelToPng, panelToSvgString } from '../chart-render'
import { reportFigures, type ReportFigure } from './figures'

/** What the report reads, each from the service that owns it (composed in core/compose.ts). */
export interface ReportSources {
  getRun(id: string): RunDetail
  stats(ids: string[]): Promise<CompareStats>
  flips(a: string, b: string, limit: number): Promise<Flips>
  /** Test-split images of a dataset, as PNG data URLs. */
  testImages(datasetId: string, indices: number[]): Promise<ImageSample[]>
  /** Grad-CAM of a run's test image, for its predicted class at its last convolutional layer. */
  explain(runId: string, datasetIndex: number): Promise<ExplainResult>
}

/** A file of the report or of the bundle, relative to its folder. */
export interface ReportFile {
  name: string
  data: Buffer
}

export interface BuiltReport {
  /** File-name stem: "report-seed-cnn-vs-mobilenetv2". */
  name: string
  document: ReportDocument
  /** The PNGs under figures/ the Markdown file points at. */
  images: ReportFile[]
  /** The figure bundle: every chart as PNG, SVG and CSV, the epoch metrics and each run's config. */
  bundle: ReportFile[]
  omitted: ReportOmission[]
}

type Options = z.output<typeof ReportOptions>

/** Runs whose Grad-CAM maps stand side by side (the comparison is of a few models, not a sweep). */
const GRAD_CAM_RUNS = 4
const THUMB_SCALE = 3

const dataUrl = (mime: string, data: Buffer | string) => `data:${mime};base64,${Buffer.from(data).toString('base64')}`

export function slug(text: string): string {
  return (
    text
      .toLowerCase()
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'report'
  )
}

/** A PNG data URL enlarged by an integer factor, nearest neighbour (so 32 px pixels stay sharp). */
function enlarge(url: string, factor: number): Buffer {
  const src = PNG.sync.read(Buffer.from(url.replace(/^data:image\/png;base64,/, ''), 'base64'))
  const out = new PNG({ width: src.width * factor, height: src.height * factor })
  for (let y = 0; y < out.height; y++)
    for (let x = 0; x < out.width; x++) {
      const from = ((Math.floor(y / factor) * src.width + Math.floor(x / factor)) * 4) >>> 0
      src.data.copy(out.data, (y * out.width + x) * 4, from, from + 4)
    }
  return PNG.sync.write(out)
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

class Builder {
  readonly s: ReportStrings
  readonly images: ReportFile[] = []
  readonly bundle: ReportFile[] = []
  readonly omitted: ReportOmission[] = []
  readonly names: string[]
  private readonly percent: Intl.NumberFormat

  constructor(
    readonly runs: RunDetail[],
    readonly o: Options,
    readonly sources: ReportSources,
  ) {
    this.s = reportStrings(o.lang)
    this.names = runLabels(runs)
    this.percent = new Intl.NumberFormat(o.lang, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 })
  }

  /** A metric in the report's language (the Compare view's formats, with local separators). */
  metric(value: number | null, format: MetricRow['format']): string {
    if (value === null || !Number.isFinite(value)) return '—'
    const lang = this.o.lang
    const fixed = (v: number, digits: number) =>
      new Intl.NumberFormat(lang, { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v)
    switch (format) {
      case 'pct':
        return lang === 'es' ? `${fixed(value * 100, 2)} %` : `${fixed(value * 100, 2)}%`
      case 'int':
        return fixed(Math.round(value), 0)
      case 'duration':
        return value < 60000 ? `${fixed(value / 1000, 1)} s` : `${fixed(value / 60000, 1)} min`
      case 'rate':
        return fixed(value, 0)
    }
  }

  /** Keeps a PNG for the Markdown file and returns how both documents show it. */
  image(file: string, png: Buffer, alt: string, width?: number, htmlSrc?: string): ReportImage {
    this.images.push({ name: file, data: png })
    return { file, src: htmlSrc ?? dataUrl('image/png', png), alt, ...(width ? { width } : {}) }
  }

  private figures = 0

  figure(f: ReportFigure): ReportBlock {
    const png = panelToPng(f.panel, f.width, f.height)
    const svg = panelToSvgString(f.panel, f.width, f.height)
    this.bundle.push(
      { name: `${f.id}.png`, data: png },
      { name: `${f.id}.svg`, data: Buffer.from(svg) },
      { name: `${f.id}.csv`, data: Buffer.from(panelCsv(f.panel)) },
    )
    // The HTML embeds the SVG (sharp at any zoom and in print); the Markdown points at the PNG.
    return {
      kind: 'figure',
      image: this.image(`figures/${f.id}.png`, png, f.title, f.width, dataUrl('image/svg+xml', svg)),
      caption: `${this.s.figure} ${++this.figures}. ${f.title}`,
    }
  }

  omit(section: ReportOmission['section'], runId: string | null, reason: string): void {
    this.omitted.push({ section, runId, reason })
  }

  runsSection(): ReportSection {
    const c = this.s.runColumns
    return {
      id: 'runs',
      title: this.s.runsTitle,
      blocks: [
        {
          kind: 'table',
          testId: 'runs',
          alignFirstLeft: true,
          head: [c.name, c.id, c.model, c.dataset, c.seed, c.status, c.backend],
          rows: this.runs.map((r, i) => [
            text(this.names[i]!),
            text(r.id),
            text(r.config.model.kind === 'transfer' ? this.s.transfer(r.config.model.baseId) : this.s.scratch),
            text(r.config.data.datasetId),
            text(String(r.seed)),
            text(this.s.statuses[r.status]),
            text(r.backend ?? '—'),
          ]),
        },
      ],
    }
  }

  async statsSection(): Promise<ReportSection> {
    const blocks: ReportBlock[] = []
    if (this.runs.length < 2) {
      blocks.push({ kind: 'paragraph', text: this.s.statsNeedsTwo, role: 'note' })
      this.omit('stats', null, this.s.statsNeedsTwo)
    } else {
      try {
        const stats = await this.sources.stats(this.runs.map((r) => r.id))
        blocks.push({ kind: 'paragraph', text: describeStats(stats, this.o.lang), role: 'sentence' })
      } catch (error) {
        const note = this.s.statsFailed(message(error))
        blocks.push({ kind: 'paragraph', text: note, role: 'note' })
        this.omit('stats', null, message(error))
      }
    }
    return { id: 'statistics', title: this.s.statsTitle, blocks }
  }

  metricsSection(): ReportSection {
    const rows = metricRows(this.runs)
    return {
      id: 'metrics',
      title: this.s.metricsTitle,
      blocks: [
        {
          kind: 'table',
          testId: 'metrics',
          alignFirstLeft: true,
          head: ['', ...this.names],
          rows: rows.map((row) => [
            text(this.s.metricNames[row.key]),
            ...row.values.map((v, i) => text(this.metric(v, row.format), row.best === i)),
          ]),
        },
      ],
    }
  }

  summariesSection(): ReportSection {
    const blocks: ReportBlock[] = []
    this.runs.forEach((r, i) => {
      blocks.push({ kind: 'heading', text: this.names[i]! })
      if (r.modelSummary) blocks.push(...modelSummaryBlocks(r.modelSummary, this.s, this.o.lang, `run${i + 1}`))
      else {
        blocks.push({ kind: 'paragraph', text: this.s.noSummary, role: 'note' })
        this.omit('summary', r.id, this.s.noSummary)
      }
    })
    return { id: 'model-summaries', title: this.s.summariesTitle, blocks }
  }

  figureSections(figures: ReportFigure[]): ReportSection[] {
    const of = (section: ReportFigure['section']) => figures.filter((f) => f.section === section).map((f) => this.figure(f))
    // Drawn in reading order, so the figure numbers run 1, 2, 3… down the report.
    const curves = of('curves')
    const compare = of('compare')
    const confusion = of('confusion')
    if (figures.some((f) => f.id === 'confusion-difference'))
      confusion.push({ kind: 'paragraph', text: this.s.confusionDiffNote(this.names[0]!, this.names[1]!), role: 'note' })
    return [
      { id: 'curves', title: this.s.curvesTitle, blocks: curves },
      { id: 'side-by-side', title: this.s.compareFiguresTitle, blocks: compare },
      { id: 'confusion', title: this.s.confusionTitle, blocks: confusion },
    ]
  }

  async flipsSection(): Promise<{ section: ReportSection; flips: Flips | null }> {
    const section: ReportSection = { id: 'flipped-images', title: this.s.flipsTitle, blocks: [] }
    const skip = (reason: string) => {
      section.blocks.push({ kind: 'paragraph', text: this.s.flipsSkipped(reason), role: 'note' })
      this.omit('flips', null, reason)
      return { section, flips: null }
    }
    const [a, b] = this.runs
    if (!a || !b) return skip(this.s.statsNeedsTwo)
    if (this.o.flipImages === 0) return skip('no flipped images were asked for')
    let flips: Flips
    try {
      flips = await this.sources.flips(a.id, b.id, this.o.flipImages)
    } catch (error) {
      return skip(message(error))
    }
    const count = new Intl.NumberFormat(this.o.lang)
    const shown = [...flips.onlyA.images, ...flips.onlyB.images]
    const samples = shown.length
      ? await this.sources.testImages(a.config.data.datasetId, [...new Set(shown.map((f) => f.index))])
      : []
    const byIndex = new Map(samples.map((x) => [x.index, x]))
    const guess = (g: FlippedImage['a']) =>
      `${flips.classNames[g.predicted] ?? g.predicted} (${this.percent.format(g.confidence)})`
    const directions: [string, string, Flips['onlyA'], 'a-right' | 'b-right'][] = [
      [this.names[0]!, this.names[1]!, flips.onlyA, 'a-right'],
      [this.names[1]!, this.names[0]!, flips.onlyB, 'b-right'],
    ]
    for (const [right, wrong, page, key] of directions) {
      section.blocks.push({ kind: 'heading', text: this.s.flipsDirection(right, wrong, count.format(page.total)) })
      if (page.images.length === 0) {
        section.blocks.push({ kind: 'paragraph', text: this.s.flipsNone, role: 'note' })
        continue
      }
      section.blocks.push({
        kind: 'paragraph',
        text: this.s.flipsShowing(page.images.length, count.format(page.total)),
        role: 'note',
      })
      const c = this.s.flipColumns
      section.blocks.push({
        kind: 'table',
        testId: `flips-${key}`,
        head: [c.image, c.trueClass, c.guess(this.names[0]!), c.guess(this.names[1]!)],
        rows: page.images.map((f): ReportCell[] => {
          const sample = byIndex.get(f.index)
          const alt = `#${f.index}`
          const picture: ReportCell = sample
            ? {
                image: this.image(`figures/flips-${key}-${f.index}.png`, enlarge(sample.dataUrl, THUMB_SCALE), alt),
                caption: alt,
              }
            : text(alt)
          return [picture, text(flips.classNames[f.trueClass] ?? String(f.trueClass)), text(guess(f.a)), text(guess(f.b))]
        }),
      })
    }
    return { section, flips }
  }

  async gradCamSection(flips: Flips | null): Promise<ReportSection> {
    const section: ReportSection = {
      id: 'grad-cam',
      title: this.s.gradCamTitle,
      blocks: [{ kind: 'paragraph', text: this.s.gradCamIntro }],
    }
    const wanted = this.o.gradCamImages
    if (wanted === 0) {
      section.blocks = [{ kind: 'paragraph', text: this.s.gradCamNoImages, role: 'note' }]
      return section
    }
    // The images that changed between the first two runs speak most; the first test images fill up.
    const indices: number[] = []
    const candidates = [
      ...(flips?.onlyA.images.slice(0, 1) ?? []),
      ...(flips?.onlyB.images.slice(0, 1) ?? []),
      ...(flips?.onlyA.images.slice(1) ?? []),
    ].map((f) => f.index)
    for (let i = 0; indices.length < wanted; i++) {
      const next = i < candidates.length ? candidates[i]! : i - candidates.length
      if (!indices.includes(next)) indices.push(next)
    }
    const shown = this.runs.slice(0, GRAD_CAM_RUNS)
    for (const r of this.runs.slice(GRAD_CAM_RUNS))
      this.omit('gradcam', r.id, `only the first ${GRAD_CAM_RUNS} runs are explained`)
    const columns: { run: RunDetail; name: string; maps: (ExplainResult | null)[] }[] = []
    for (const [i, run] of shown.entries()) {
      const maps: (ExplainResult | null)[] = []
      let failure: string | null = null
      for (const index of indices) {
        if (failure) break
        try {
          maps.push(await this.sources.explain(run.id, index))
        } catch (error) {
          // A run without a saved model (imported, failed, cancelled) fails on its first image.
          failure = message(error)
        }
      }
      if (failure && maps.length === 0) {
        section.blocks.push({ kind: 'paragraph', text: this.s.gradCamSkipped(this.names[i]!, failure), role: 'note' })
        this.omit('gradcam', run.id, failure)
        continue
      }
      while (maps.length < indices.length) maps.push(null)
      columns.push({ run, name: this.names[i]!, maps })
    }
    if (columns.length === 0) return section
    const rows = indices.map((index, k): ReportCell[] => {
      const first = columns.find((c) => c.maps[k])?.maps[k]
      const label = this.s.gradCamImage(index, first?.trueClass ?? '?')
      return [
        text(label),
        ...columns.map((c): ReportCell => {
          const map = c.maps[k]
          if (!map) return text('—')
          const file = `figures/gradcam-run${this.runs.indexOf(c.run) + 1}-${index}.png`
          const png = heatmapPng(map)
          this.bundle.push({ name: file.replace('figures/', ''), data: png })
          return {
            image: this.image(file, png, `${c.name} · ${label}`, 160),
            caption: this.s.gradCamCaption(map.predicted.className, this.percent.format(map.predicted.probability), map.layer),
          }
        }),
      ]
    })
    section.blocks.push({
      kind: 'table',
      testId: 'grad-cam',
      alignFirstLeft: true,
      head: ['', ...columns.map((c) => c.name)],
      rows,
    })
    return section
  }

  configsSection(): ReportSection {
    return {
      id: 'configurations',
      title: this.s.configsTitle,
      blocks: this.runs.map((r, i) => ({
        kind: 'code' as const,
        title: `${this.names[i]!} (${r.id})`,
        text: JSON.stringify(r.config, null, 2),
      })),
    }
  }
}

/** Everything the report shows, gathered and drawn; written by `writeReport`, zipped by `packageReport`. */
export async function buildReport(sources: ReportSources, o: Options, now = new Date()): Promise<BuiltReport> {
  const runs = o.ids.map((id) => sources.getRun(id))
  const b = new Builder(runs, o, sources)
  const title = o.title ?? b.s.title(b.names.join(' vs '))
  const date = new Intl.DateTimeFormat(o.lang, { dateStyle: 'long', timeStyle: 'short', timeZone: 'UTC' }).format(now)
  const figures = reportFigures(runs, b.s)
  const stats = await b.statsSection()
  const { section: flipsSection, flips } = await b.flipsSection()
  const gradCam = await b.gradCamSection(flips)
  const sections: ReportSection[] = [
    b.runsSection(),
    stats,
    b.metricsSection(),
    b.summariesSection(),
    ...b.figureSections(figures),
    flipsSection,
    gradCam,
    b.configsSection(),
  ]
  b.bundle.push({ name: 'epochs.csv', data: Buffer.from(epochMetricsCsv(runs)) })
  runs.forEach((r, i) =>
    b.bundle.push({
      name: `configs/run${i + 1}-${slug(r.name)}.json`,
      data: Buffer.from(`${JSON.stringify(r.config, null, 2)}\n`),
    }),
  )
  const manifest = {
    format: 'cifar-workbench-figures',
    version: 1,
    generatedAt: now.toISOString(),
    runs: runs.map((r, i) => ({ id: r.id, name: b.names[i], config: `configs/run${i + 1}-${slug(r.name)}.json` })),
    figures: figures.map((f) => ({ id: f.id, title: f.title, png: `${f.id}.png`, svg: `${f.id}.svg`, csv: `${f.id}.csv` })),
    gradCam: b.bundle.filter((f) => f.name.startsWith('gradcam-')).map((f) => f.name),
  }
  b.bundle.push({ name: 'manifest.json', data: Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`) })
  return {
    name: `report-${slug(runs.map((r) => r.name).join('-vs-'))}`,
    document: {
      lang: o.lang satisfies ReportLanguage,
      title,
      subtitle: b.s.generated(date, runs.length),
      contentsTitle: b.s.contents,
      sections,
    },
    images: b.images,
    bundle: b.bundle,
    omitted: b.omitted,
  }
}

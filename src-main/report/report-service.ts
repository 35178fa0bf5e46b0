import { join } from 'node:path'
import type { z } from 'zod'
import type { ReportOptions, ReportPackage, ReportWriteRequest, ReportWriteResult, WrittenFile } from '@shared/report/schema'
import { reportHtml } from '@shared/report/html'
import { reportMarkdown } from '@shared/report/markdown'
import { writeZip } from '../engine/export/zip'
import { buildReport, type ReportFile, type ReportSources } from './build'
import { bundleTarget, folderTarget, writeFiles, writeOne } from './target'

const fileKind = (name: string) => {
  if (name.endsWith('.json')) return 'config'
  const ext = name.split('.').pop() ?? ''
  return ext
}

const zipOf = (files: readonly ReportFile[], now: Date) =>
  writeZip(
    files.map((f) => ({ name: f.name, data: new Uint8Array(f.data.buffer, f.data.byteOffset, f.data.byteLength) })),
    now,
  )

/**
 * The report of a comparison: gathers statistics, flipped images and Grad-CAM maps from their
 * services, draws every chart headless, and writes the HTML, the Markdown with its figures and the
 * figure bundle. Targets are checked before anything is drawn, so a refused target costs nothing.
 */
export class ReportService {
  constructor(
    private readonly sources: ReportSources,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async write(req: z.output<typeof ReportWriteRequest>): Promise<ReportWriteResult> {
    const folder = folderTarget(req.out, 'report folder')
    const bundle = req.bundle === undefined ? null : bundleTarget(req.bundle, folder.path)
    const now = this.clock()
    const built = await buildReport(this.sources, req, now)
    const html = reportHtml(built.document)
    const markdown = reportMarkdown(built.document)
    const files: WrittenFile[] = writeFiles(
      folder.path,
      [{ name: 'report.html', data: Buffer.from(html) }, { name: 'report.md', data: Buffer.from(markdown) }, ...built.images],
      (name) => (name === 'report.html' ? 'html' : name === 'report.md' ? 'markdown' : 'figure'),
    )
    let bundleResult: ReportWriteResult['bundle'] = null
    if (bundle?.kind === 'zip') {
      const zip = zipOf(built.bundle, now)
      writeOne(bundle.path, zip)
      files.push({ kind: 'bundle', path: bundle.path, bytes: zip.byteLength })
      bundleResult = { path: bundle.path, kind: 'zip', entries: built.bundle.length }
    } else if (bundle) {
      files.push(...writeFiles(bundle.path, built.bundle, fileKind))
      bundleResult = { path: bundle.path, kind: 'folder', entries: built.bundle.length }
    }
    return {
      folder: folder.path,
      html: join(folder.path, 'report.html'),
      markdown: join(folder.path, 'report.md'),
      files,
      bundle: bundleResult,
      omitted: built.omitted,
    }
  }

  /** The HTML and the zipped bundle in memory, for a browser to download. */
  async package(req: z.output<typeof ReportOptions>): Promise<ReportPackage> {
    const now = this.clock()
    const built = await buildReport(this.sources, req, now)
    return {
      name: built.name,
      html: reportHtml(built.document),
      bundleZipBase64: Buffer.from(zipOf(built.bundle, now)).toString('base64'),
      omitted: built.omitted,
    }
  }
}

import { z } from 'zod'
import { REPORT_LANGUAGES } from './strings'

/** The report's requests and results, as the contract carries them (report.write, report.package). */

const MAX_RUNS = 10

export const ReportOptions = z.object({
  ids: z.array(z.string().min(1)).min(1, 'give at least one run').max(MAX_RUNS, `at most ${MAX_RUNS} runs`),
  lang: z.enum(REPORT_LANGUAGES).default('en'),
  title: z.string().trim().min(1).max(200).optional(),
  /** Test images explained with Grad-CAM per run (the same images for every run); 0 leaves it out. */
  gradCamImages: z.number().int().min(0).max(8).default(3),
  /** Flipped images shown per direction. */
  flipImages: z.number().int().min(0).max(48).default(8),
})
export type ReportOptions = z.input<typeof ReportOptions>

export const ReportWriteRequest = ReportOptions.extend({
  /** The report's folder: report.html, report.md and figures/; must be new or empty. */
  out: z.string().min(1, 'give the folder to write the report into'),
  /** The figure bundle: a folder (new or empty) or a file ending in .zip; absent: none. */
  bundle: z.string().min(1).optional(),
})
export type ReportWriteRequest = z.input<typeof ReportWriteRequest>

export const WrittenFile = z.object({ kind: z.string(), path: z.string(), bytes: z.number().int().min(0) })
export type WrittenFile = z.infer<typeof WrittenFile>

/** A part of the report left out, and why (a run without a saved model has no Grad-CAM). */
export const ReportOmission = z.object({
  section: z.enum(['stats', 'flips', 'gradcam', 'summary']),
  runId: z.string().nullable(),
  reason: z.string(),
})
export type ReportOmission = z.infer<typeof ReportOmission>

export const ReportWriteResult = z.object({
  folder: z.string(),
  html: z.string(),
  markdown: z.string(),
  files: z.array(WrittenFile),
  bundle: z.object({ path: z.string(), kind: z.enum(['folder', 'zip']), entries: z.number().int().min(0) }).nullable(),
  omitted: z.array(ReportOmission),
})
export type ReportWriteResult = z.infer<typeof ReportWriteResult>

/** What browser mode downloads: the self-contained HTML and the figure bundle as a zip. */
export const ReportPackage = z.object({
  /** A file-name stem for both downloads, e.g. "report-seed-cnn-vs-mobilenetv2". */
  name: z.string(),
  html: z.string(),
  bundleZipBase64: z.string(),
  omitted: z.array(ReportOmission),
})
export type ReportPackage = z.infer<typeof ReportPackage>

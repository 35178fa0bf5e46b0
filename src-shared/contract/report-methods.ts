import { ReportOptions, ReportPackage, ReportWriteRequest, ReportWriteResult } from '../report/schema'
import { method } from './define'

// ---------------------------------------------------------------- report
export const reportMethods = {
  'report.write': method(
    ReportWriteRequest,
    ReportWriteResult,
    'Writes a report of the runs in the chosen language: a self-contained report.html, report.md with its figures/ PNGs, and optionally the figure bundle (every chart as PNG, SVG and CSV, and the configs) as a folder or .zip.',
  ),
  'report.package': method(
    ReportOptions,
    ReportPackage,
    'The same report as report.write, returned instead of written: the self-contained HTML and the figure bundle as a zip (browser-mode downloads).',
  ),
}

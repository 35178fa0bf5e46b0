import type { HandlerGroup } from '../core/handlers'
import type { ReportService } from './report-service'

/** Every `report.*` method of the contract. */
export function reportHandlers(report: ReportService): HandlerGroup<'report'> {
  return {
    'report.write': (input) => report.write(input),
    'report.package': (input) => report.package(input),
  }
}

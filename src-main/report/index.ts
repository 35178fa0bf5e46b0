export { ReportService } from './report-service'
export { reportHandlers } from './handlers'
export type { ReportSources } from './build'

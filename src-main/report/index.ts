export { ReportService } from './report-service'
export { reportHandlers } from './handlers'

export {
  PredictionsService,
  type PredictionsResult,
  type PredictionsServiceOptions,
  type PredictionsSource,
} from './predictions-service'
export { compareStats } from './stats-service'
export { compareHandlers } from './handlers'

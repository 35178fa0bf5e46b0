export { PredictionsService, type PredictionsSource } from './predictions-service'
export { compareHandlers } from './handlers'

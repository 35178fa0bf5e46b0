export { InferenceService } from './inference-service'
export { inferenceHandlers } from './handlers'

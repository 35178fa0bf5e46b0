export { InferenceService, type InferenceServiceOptions, type InferenceStore } from './inference-service'
export { inferenceHandlers } from './handlers'

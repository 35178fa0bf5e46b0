export { ModelService } from './model-service'
export { modelHandlers } from './handlers'

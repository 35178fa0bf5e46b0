export { ModelService } from './model-service'
export { modelHandlers } from './handlers'
export { registerBundledBases } from './bundled'

export { ModelService } from './model-service'
export { modelHandlers } from './handlers'
export { KERAS_FILES, kerasModelsDir, type KerasDownloadName, type KerasFileSpec } from './keras-files'
export { describeBundledFolders, registerBundledBases } from './bundled'

export { TrainingService, type TrainingServiceOptions } from './training-service'
export { trainingHandlers } from './handlers'
export { BUILT_IN_PRESETS, configFromPreset, resolveBase } from './presets'
export type { EventLoopLag } from './event-loop'

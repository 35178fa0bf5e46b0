export { TrainingService } from './training-service'
export { trainingHandlers } from './handlers'

import type { HandlerGroup } from '../core/handlers'
import type { TrainingService } from './training-service'

/** Every `training.*` method of the contract, on the main process' TrainingService. */
export function trainingHandlers(service: TrainingService): HandlerGroup<'training'> {
  return {
    'training.start': (input) => service.start(input.config, input.seeds),
    'training.cancel': (input) => service.cancel(input.runId),
    'training.resume': (input) => service.resume(input.runId),
    'training.queue': () => service.queueState(),
    'training.presets': () => service.presets(),
    'training.savePreset': (input) => service.savePreset(input),
    'training.deletePreset': (input) => service.deletePreset(input.id),
    'training.inputSizes': () => service.inputSizes(),
  }
}

import type { HandlerGroup } from '../core/handlers'
import type { PredictionsService, PredictionsSource } from './predictions-service'
import { compareStats } from './stats-service'

/** Every `compare.*` method of the contract. */
export function compareHandlers(store: PredictionsSource, predictions: PredictionsService): HandlerGroup<'compare'> {
  return {
    'compare.stats': (input) => compareStats(store, predictions, input),
  }
}

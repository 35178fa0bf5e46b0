import type { HandlerGroup } from '../core/handlers'
import type { PredictionsService, PredictionsSource } from './predictions-service'
import { compareCellImages, compareFlips } from './image-service'
import { compareStats } from './stats-service'

/** Every `compare.*` method of the contract. */
export function compareHandlers(store: PredictionsSource, predictions: PredictionsService): HandlerGroup<'compare'> {
  return {
    'compare.stats': (input) => compareStats(store, predictions, input),
    'compare.flips': (input) => compareFlips(store, predictions, input),
    'compare.cellImages': (input) => compareCellImages(store, predictions, input),
  }
}

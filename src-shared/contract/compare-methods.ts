import { CellImages, CellImagesRequest, Flips, FlipsRequest } from '../stats/image-selection'
import { CompareStats, CompareStatsRequest } from '../stats/schema'
import { method } from './define'

// ---------------------------------------------------------------- compare
export const compareMethods = {
  'compare.stats': method(
    CompareStatsRequest,
    CompareStats,
    'Whether the difference between runs is real: exact McNemar and a paired bootstrap on the first two runs’ test images, mean ± std and a t-interval per config over seeds, Welch’s t-test and the seeds needed; old runs are re-evaluated for their per-image predictions.',
  ),
  'compare.flips': method(
    FlipsRequest,
    Flips,
    'Test images one run classifies correctly and the other does not, both directions, optionally of one true class; fetch the pixels with datasets.images.',
  ),
  'compare.cellImages': method(
    CellImagesRequest,
    CellImages,
    'The test images in one cell (true class, predicted class) of a run’s confusion matrix, most confident first.',
  ),
}

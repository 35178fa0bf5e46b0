/** Datasets: import (CIFAR-10 binary/python, image folders), cache, splits, preprocessing, augmentation. */
export { loadDatasetFromCache, type LoadedDataset } from './cache'
export { makeSplits } from './splits'
export { Augmenter } from './augment'
export { preprocessPixels } from './preprocess'
export { DatasetService } from './dataset-service'
export { datasetHandlers } from './handlers'

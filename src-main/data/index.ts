/** Datasets: import (CIFAR-10 binary/python, image folders), cache, splits, preprocessing, augmentation. */
export { loadDatasetFromCache, readManifest, datasetDir, type LoadedDataset, type SplitArrays } from './cache'
export { makeSplits, stratifiedCounts, type SplitIndices } from './splits'
export { Augmenter, applyTransform, type ImageTransform, type Interpolation } from './augment'
export { preprocessPixels, oneHot, IMAGENET_MEAN, IMAGENET_STD, CAFFE_MEAN_BGR } from './preprocess'
export { Rng } from './rng'

import type * as tf from '../tf'
import type { BaseModelInfo, FineTuneConfig, Preprocessing } from '@shared/index'

/** A loaded base: its registry entry and the full pretrained network. */
export interface LoadedBase {
  info: BaseModelInfo
  model: tf.LayersModel
}

export type TrainingPhase = 'train' | 'finetune'

export interface BuiltModel {
  /** The full network: input [inputSize, inputSize, 3] preprocessed pixels → class probabilities. */
  model: tf.LayersModel
  inputSize: number
  preprocessing: Preprocessing
  /** Transfer only: the base cut at its cut layer (shares weights with `model`). */
  featureExtractor: tf.LayersModel | null
  /** Transfer only: the head on the feature map; model(x) = head(featureExtractor(x)). */
  head: tf.LayersModel | null
  /**
   * 'train' freezes the whole base; 'finetune' unfreezes the tail of the base as configured.
   * Returns the names of the base layers that are trainable afterwards. Recompile after calling it:
   * tfjs collects trainable weights at compile time.
   */
  setPhase(phase: TrainingPhase, fineTune?: FineTuneConfig): { trainableLayerNames: string[] }
}

export interface BuildOptions {
  numClasses: number
  /** Side of the dataset's square images (32 for CIFAR-10). */
  imageSize: number
  seed: number
  base: LoadedBase | null
}

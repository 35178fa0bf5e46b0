import type { BaseFamily, Preprocessing } from '@shared/index'

/** Where each known family is cut by default and how it expects its pixels. */
export interface FamilyDefaults {
  /** Default cut layer, by base format (the shared tfjs bases and Keras' own use different names). */
  cutLayer: { 'tfjs-layers': string; 'keras-h5': string }
  preprocessing: { 'tfjs-layers': Preprocessing; 'keras-h5': Preprocessing }
  minInputSize: number
}

export const FAMILY_DEFAULTS: Record<Exclude<BaseFamily, 'custom'>, FamilyDefaults> = {
  // The shared tfjs MobileNetV2 ends at head_relu; Keras' no-top model ends at out_relu.
  mobilenetv2: {
    cutLayer: { 'tfjs-layers': 'head_relu', 'keras-h5': 'out_relu' },
    preprocessing: { 'tfjs-layers': 'imagenet-mean-std', 'keras-h5': 'minus-one-one' },
    minInputSize: 32,
  },
  // SqueezeNet's top (conv10/pool10) is the ImageNet classifier, so features come from the last fire module.
  squeezenet: {
    cutLayer: { 'tfjs-layers': 'fire9_concat', 'keras-h5': 'fire9_concat' },
    preprocessing: { 'tfjs-layers': 'imagenet-mean-std', 'keras-h5': 'imagenet-mean-std' },
    minInputSize: 32,
  },
  vgg16: {
    cutLayer: { 'tfjs-layers': 'block5_pool', 'keras-h5': 'block5_pool' },
    preprocessing: { 'tfjs-layers': 'caffe', 'keras-h5': 'caffe' },
    minInputSize: 32,
  },
}

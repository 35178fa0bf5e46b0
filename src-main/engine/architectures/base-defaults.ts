import type { BaseFamily, BaseFormat, Preprocessing } from '@shared/index'

/** Where each known family is cut by default and how it expects its pixels. */
export interface FamilyDefaults {
  /** Default cut layer, by base format (the shared tfjs bases and Keras' own use different names). */
  cutLayer: Record<BaseFormat, string>
  preprocessing: Record<BaseFormat, Preprocessing>
  minInputSize: number
}

/** The same value for every format: families that come in one format only, or name layers alike in all. */
const all = <V>(value: V): Record<BaseFormat, V> => ({ 'tfjs-layers': value, 'keras-h5': value, safetensors: value })

/** timm's pretrained_cfg for all four: ImageNet mean/std on 0..1 RGB, 224 px. */
const timm = (cut: string): FamilyDefaults => ({ cutLayer: all(cut), preprocessing: all('imagenet-mean-std'), minInputSize: 32 })

export const FAMILY_DEFAULTS: Record<Exclude<BaseFamily, 'custom'>, FamilyDefaults> = {
  // The shared tfjs MobileNetV2 ends at head_relu; Keras' no-top model ends at out_relu.
  mobilenetv2: {
    cutLayer: { ...all('out_relu'), 'tfjs-layers': 'head_relu' },
    preprocessing: { ...all('minus-one-one'), 'tfjs-layers': 'imagenet-mean-std' },
    minInputSize: 32,
  },
  // SqueezeNet's top (conv10/pool10) is the ImageNet classifier, so features come from the last fire module.
  squeezenet: { cutLayer: all('fire9_concat'), preprocessing: all('imagenet-mean-std'), minInputSize: 32 },
  vgg16: { cutLayer: all('block5_pool'), preprocessing: all('caffe'), minInputSize: 32 },
  // Keras' ResNet50 takes caffe-style input; its EfficientNetB0 rescales and normalises inside the model.
  resnet50: { cutLayer: all('conv5_block3_out'), preprocessing: all('caffe'), minInputSize: 32 },
  efficientnetb0: { cutLayer: all('top_activation'), preprocessing: all('raw'), minInputSize: 32 },
  'timm-resnet18': timm('layer4.1.act2'),
  'timm-resnet50': timm('layer4.2.act3'),
  'timm-efficientnet_b0': timm('bn2.act'),
  'timm-mobilenetv3_large_100': timm('act2'),
}

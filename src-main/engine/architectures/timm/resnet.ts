import * as tf from '../../tf'
import { activation, add, batchNorm, channels, conv } from './layers'

type T = tf.SymbolicTensor

/** timm's BasicBlock (resnet18/34): conv1-bn1-act1, conv2-bn2, + shortcut, act2. */
function basicBlock(x: T, name: string, planes: number, stride: number): T {
  const shortcut = shortcutOf(x, name, planes, stride)
  let y = conv(x, `${name}.conv1`, { filters: planes, kernel: 3, stride })
  y = activation(batchNorm(y, `${name}.bn1`), `${name}.act1`, 'relu')
  y = batchNorm(conv(y, `${name}.conv2`, { filters: planes, kernel: 3 }), `${name}.bn2`)
  return activation(add(y, shortcut, `${name}.add`), `${name}.act2`, 'relu')
}

/** timm's Bottleneck (resnet50): 1x1 reduce, 3x3 carrying the stride (ResNet v1.5), 1x1 expand ×4. */
function bottleneck(x: T, name: string, planes: number, stride: number): T {
  const shortcut = shortcutOf(x, name, planes * 4, stride)
  let y = conv(x, `${name}.conv1`, { filters: planes, kernel: 1 })
  y = activation(batchNorm(y, `${name}.bn1`), `${name}.act1`, 'relu')
  y = conv(y, `${name}.conv2`, { filters: planes, kernel: 3, stride })
  y = activation(batchNorm(y, `${name}.bn2`), `${name}.act2`, 'relu')
  y = batchNorm(conv(y, `${name}.conv3`, { filters: planes * 4, kernel: 1 }), `${name}.bn3`)
  return activation(add(y, shortcut, `${name}.add`), `${name}.act3`, 'relu')
}

/** The identity, or timm's `downsample` (1x1 conv with the stride, then BatchNorm) when the shape changes. */
function shortcutOf(x: T, name: string, outChannels: number, stride: number): T {
  if (stride === 1 && channels(x) === outChannels) return x
  const y = conv(x, `${name}.downsample.0`, { filters: outChannels, kernel: 1, stride })
  return batchNorm(y, `${name}.downsample.1`)
}

function resnet(modelName: string, block: 'basic' | 'bottleneck', depths: number[], inputSize: number | null): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input' })
  let x = conv(input, 'conv1', { filters: 64, kernel: 7, stride: 2 })
  x = activation(batchNorm(x, 'bn1'), 'act1', 'relu')
  // MaxPool2d(3, 2, padding 1) pads with -inf; after a ReLU, zeros pad the same.
  x = tf.layers.zeroPadding2d({ padding: 1, name: 'maxpool_pad' }).apply(x) as T
  x = tf.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'maxpool' }).apply(x) as T
  const make = block === 'basic' ? basicBlock : bottleneck
  depths.forEach((count, stage) => {
    const planes = 64 * 2 ** stage
    for (let i = 0; i < count; i++) x = make(x, `layer${stage + 1}.${i}`, planes, i === 0 && stage > 0 ? 2 : 1)
  })
  return tf.model({ inputs: input, outputs: x, name: modelName })
}

/** timm's `resnet18` without its classifier (num_classes=0), up to layer4's feature map. */
export function timmResnet18(inputSize: number | null = null): tf.LayersModel {
  return resnet('resnet18', 'basic', [2, 2, 2, 2], inputSize)
}

/** timm's `resnet50` without its classifier (num_classes=0), up to layer4's feature map. */
export function timmResnet50(inputSize: number | null = null): tf.LayersModel {
  return resnet('resnet50', 'bottleneck', [3, 4, 6, 3], inputSize)
}

import type { ExperimentConfig } from './config'
import type { BaseFamily } from './model'

/**
 * What running an ImageNet base below its native input size costs (the spatial resolution its last
 * feature map keeps, the compute) and what the user's own runs show it gains. Pure, so the form,
 * Run detail and Compare say the same.
 */

/** The side each known ImageNet family was trained at. */
export const NATIVE_INPUT_SIZE: Record<Exclude<BaseFamily, 'custom'>, number> = {
  mobilenetv2: 224,
  squeezenet: 224,
  vgg16: 224,
  resnet50: 224,
  efficientnetb0: 224,
  'timm-resnet18': 224,
  'timm-resnet50': 224,
  'timm-efficientnet_b0': 224,
  'timm-mobilenetv3_large_100': 224,
}

const pool3s2 = (side: number) => Math.floor((side - 3) / 2) + 1

/**
 * The side of the default cut layer's feature map at an input side: MobileNetV2's head_relu is
 * ceil(s/32) (every stride-2 conv pads to keep ceil); VGG16's block5_pool halves five times (floor);
 * SqueezeNet 1.1's fire9 follows conv1 (3x3/2, valid) and three 3x3/2 max pools. The ResNets and
 * EfficientNets (Keras' and timm's) and MobileNetV3 pad every stride-2 step to ceil, five times
 * (timm's MobileNetV3 pools before its head, so for it this is the last map before global_pool).
 */
export function featureMapSide(family: Exclude<BaseFamily, 'custom'>, side: number): number {
  switch (family) {
    case 'mobilenetv2':
      return Math.ceil(side / 32)
    case 'vgg16':
      return Math.max(1, Math.floor(side / 32))
    case 'squeezenet':
      return Math.max(1, pool3s2(pool3s2(pool3s2(pool3s2(side)))))
    case 'resnet50':
    case 'efficientnetb0':
    case 'timm-resnet18':
    case 'timm-resnet50':
    case 'timm-efficientnet_b0':
    case 'timm-mobilenetv3_large_100':
      return Math.ceil(side / 32)
  }
}

export interface InputSizeCost {
  family: Exclude<BaseFamily, 'custom'>
  inputSize: number
  nativeSize: number
  /** Side of the last feature map at the run's input and at the native one (1 vs 7 for MobileNetV2 at 32 px). */
  featureSide: number
  nativeFeatureSide: number
  /** The base's compute per image relative to native (convolutions scale with the area). */
  computeRatio: number
}

/**
 * The cost of a transfer config's input size; null for a scratch model, a custom base (its native size
 * is not known) or a base at its native size or above.
 */
export function inputSizeCost(model: ExperimentConfig['model'], family: BaseFamily | null): InputSizeCost | null {
  if (model.kind !== 'transfer' || !family || family === 'custom') return null
  const nativeSize = NATIVE_INPUT_SIZE[family]
  if (model.inputSize >= nativeSize) return null
  return {
    family,
    inputSize: model.inputSize,
    nativeSize,
    featureSide: featureMapSide(family, model.inputSize),
    nativeFeatureSide: featureMapSide(family, nativeSize),
    computeRatio: (model.inputSize / nativeSize) ** 2,
  }
}

/** A completed transfer run of the history, as the evidence needs it. */
export interface SizedRun {
  id: string
  inputSize: number
  testAccuracy: number
}

export interface SizeEvidence {
  inputSize: number
  runs: number
  meanTestAccuracy: number
  bestTestAccuracy: number
}

/**
 * The user's completed runs of one base by input size, smallest first. `gain` compares the size asked
 * about with the largest other size there is (mean test accuracy, larger minus this); null when the
 * history has runs at one size only or none at the size asked about.
 */
export function sizeEvidence(
  runs: readonly SizedRun[],
  inputSize: number,
): { sizes: SizeEvidence[]; gain: { from: number; to: number; points: number } | null } {
  const by = new Map<number, number[]>()
  for (const r of runs) by.set(r.inputSize, [...(by.get(r.inputSize) ?? []), r.testAccuracy])
  const sizes = [...by.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([size, accs]) => ({
      inputSize: size,
      runs: accs.length,
      meanTestAccuracy: accs.reduce((s, a) => s + a, 0) / accs.length,
      bestTestAccuracy: Math.max(...accs),
    }))
  const here = sizes.find((s) => s.inputSize === inputSize)
  const other = [...sizes].reverse().find((s) => s.inputSize !== inputSize)
  const gain =
    here && other ? { from: inputSize, to: other.inputSize, points: other.meanTestAccuracy - here.meanTestAccuracy } : null
  return { sizes, gain }
}

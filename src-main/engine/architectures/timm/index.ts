import type * as tf from '../../tf'
import { timmEfficientNetB0 } from './efficientnet'
import { timmMobileNetV3Large100 } from './mobilenetv3'
import { timmResnet18, timmResnet50 } from './resnet'
import { readSafetensors } from './safetensors'
import { assignTorchWeights, stateDictPrefix } from './torch-weights'

export { timmResnet18 } from './resnet'
export { timmMobileNetV3Large100 } from './mobilenetv3'
export { readSafetensors } from './safetensors'

export const TIMM_ARCHS = ['resnet18', 'resnet50', 'efficientnet_b0', 'mobilenetv3_large_100'] as const
export type TimmArch = (typeof TIMM_ARCHS)[number]

/** The registry family of a timm architecture (`timm-resnet18`), and back (null: not a timm family). */
export const timmFamily = (arch: TimmArch) => `timm-${arch}` as const
export function timmArchOfFamily(family: string): TimmArch | null {
  const arch = family.startsWith('timm-') ? family.slice(5) : ''
  return (TIMM_ARCHS as readonly string[]).includes(arch) ? (arch as TimmArch) : null
}

/** Architectures defined in code, by timm model name. */
export const TIMM_ARCHITECTURES: Record<TimmArch, (inputSize?: number | null) => tf.LayersModel> = {
  resnet18: timmResnet18,
  resnet50: timmResnet50,
  efficientnet_b0: timmEfficientNetB0,
  mobilenetv3_large_100: timmMobileNetV3Large100,
}

/** A parameter each architecture has and the others lack, with its shape (tells resnet18 from resnet34 too). */
const SIGNATURES: Array<{ arch: TimmArch; tensor: string; shape: number[]; absent: string }> = [
  { arch: 'resnet18', tensor: 'layer4.1.conv2.weight', shape: [512, 512, 3, 3], absent: 'layer3.2.conv1.weight' },
  { arch: 'resnet50', tensor: 'layer4.2.conv3.weight', shape: [2048, 512, 1, 1], absent: 'layer3.6.conv1.weight' },
  {
    arch: 'efficientnet_b0',
    tensor: 'blocks.6.0.conv_pwl.weight',
    shape: [320, 1152, 1, 1],
    absent: 'blocks.1.2.conv_pw.weight',
  },
  { arch: 'mobilenetv3_large_100', tensor: 'conv_head.weight', shape: [1280, 960, 1, 1], absent: 'blocks.7.0.conv.weight' },
]

/** Which timm architecture a state_dict's tensor names belong to, or an error naming what was found. */
export function recogniseTimmArch(names: string[], shapes: (name: string) => number[] | undefined, file: string): TimmArch {
  for (const s of SIGNATURES) {
    const prefix = stateDictPrefix(names, s.tensor)
    const shape = shapes(prefix + s.tensor)
    if (shape && shape.join(',') === s.shape.join(',') && !names.includes(prefix + s.absent)) return s.arch
  }
  const sample = names.slice(0, 5).join(', ') || 'none'
  throw new Error(
    `${file}: not a state_dict of timm's ${TIMM_ARCHS.join(', ')} (tensors found: ${sample}${names.length > 5 ? ', …' : ''}); ` +
      'name the architecture with --arch if it is one of them',
  )
}

/** Build a timm architecture and load a .safetensors state_dict into it by parameter name. */
export async function loadTimmBase(file: string, arch?: TimmArch): Promise<{ model: tf.LayersModel; arch: TimmArch }> {
  const weights = await readSafetensors(file)
  const names = [...weights.tensors.keys()]
  const chosen = arch ?? recogniseTimmArch(names, (n) => weights.tensors.get(n)?.shape, file)
  const model = TIMM_ARCHITECTURES[chosen](null)
  try {
    assignTorchWeights(model, weights, stateDictPrefix(names, 'conv_stem.weight') || stateDictPrefix(names, 'conv1.weight'))
  } catch (error) {
    model.dispose()
    throw error
  }
  return { model, arch: chosen }
}

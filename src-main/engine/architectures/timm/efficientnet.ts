import * as tf from '../../tf'
import { add, batchNormAct, channels, conv, makeDivisible, squeezeExcite, type Act } from './layers'

type T = tf.SymbolicTensor

/** One stage of timm's block strings (e.g. `ir_r2_k3_s2_e6_c24_se0.25`) as data. */
export interface StageSpec {
  type: 'ds' | 'ir' | 'cn'
  repeats: number
  kernel: number
  stride: number
  expansion: number
  out: number
  /** Squeeze-excite channels from the block's input (EfficientNet) — null for none. */
  se: ((inChannels: number, midChannels: number) => number) | null
  act: Act
}

export interface MobileBlockOptions {
  seAct: Act
  seGate: Act
}

/** timm's DepthwiseSeparableConv: conv_dw-bn1(act), se, conv_pw-bn2, + input when the shape is kept. */
function depthwiseSeparable(x: T, name: string, s: StageSpec, stride: number, o: MobileBlockOptions): T {
  const inChannels = channels(x)
  let y = conv(x, `${name}.conv_dw`, { filters: inChannels, kernel: s.kernel, stride, depthwise: true })
  y = batchNormAct(y, `${name}.bn1`, s.act)
  if (s.se) y = squeezeExcite(y, `${name}.se`, s.se(inChannels, inChannels), o.seAct, o.seGate)
  y = batchNormAct(conv(y, `${name}.conv_pw`, { filters: s.out, kernel: 1 }), `${name}.bn2`, null)
  return stride === 1 && inChannels === s.out ? add(y, x, `${name}.add`) : y
}

/** timm's InvertedResidual: conv_pw-bn1(act), conv_dw-bn2(act), se, conv_pwl-bn3, + input when kept. */
function invertedResidual(x: T, name: string, s: StageSpec, stride: number, o: MobileBlockOptions): T {
  const inChannels = channels(x)
  const mid = makeDivisible(inChannels * s.expansion)
  let y = batchNormAct(conv(x, `${name}.conv_pw`, { filters: mid, kernel: 1 }), `${name}.bn1`, s.act)
  y = conv(y, `${name}.conv_dw`, { filters: mid, kernel: s.kernel, stride, depthwise: true })
  y = batchNormAct(y, `${name}.bn2`, s.act)
  if (s.se) y = squeezeExcite(y, `${name}.se`, s.se(inChannels, mid), o.seAct, o.seGate)
  y = batchNormAct(conv(y, `${name}.conv_pwl`, { filters: s.out, kernel: 1 }), `${name}.bn3`, null)
  return stride === 1 && inChannels === s.out ? add(y, x, `${name}.add`) : y
}

/** timm's ConvBnAct: conv-bn1(act). */
function convBnAct(x: T, name: string, s: StageSpec, stride: number): T {
  return batchNormAct(conv(x, `${name}.conv`, { filters: s.out, kernel: s.kernel, stride }), `${name}.bn1`, s.act)
}

/**
 * timm's `blocks`: stage i (one or more block specs, each repeated), block j named `blocks.i.j`;
 * only a stage's first block strides.
 */
export function mobileBlocks(x: T, stages: StageSpec[][], options: MobileBlockOptions): T {
  stages.forEach((specs, i) => {
    let j = 0
    for (const s of specs) {
      for (let r = 0; r < s.repeats; r++, j++) {
        const name = `blocks.${i}.${j}`
        const stride = j === 0 ? s.stride : 1
        if (s.type === 'ds') x = depthwiseSeparable(x, name, s, stride, options)
        else if (s.type === 'ir') x = invertedResidual(x, name, s, stride, options)
        else x = convBnAct(x, name, s, stride)
      }
    }
  })
  return x
}

/** EfficientNet's SE is a quarter of the block's input channels (timm: se_from_exp=False). */
const seQuarterOfInput = (inChannels: number) => Math.max(1, Math.floor(inChannels * 0.25))

const stage = (
  type: StageSpec['type'],
  repeats: number,
  kernel: number,
  stride: number,
  expansion: number,
  out: number,
): StageSpec => ({
  type,
  repeats,
  kernel,
  stride,
  expansion,
  out,
  se: seQuarterOfInput,
  act: 'silu',
})

/**
 * timm's `efficientnet_b0` without its classifier (num_classes=0), up to `bn2` (conv_head's
 * BatchNorm + SiLU). Its arch_def: ds_r1_k3_s1_e1_c16_se0.25, ir_r2_k3_s2_e6_c24_se0.25,
 * ir_r2_k5_s2_e6_c40_se0.25, ir_r3_k3_s2_e6_c80_se0.25, ir_r3_k5_s1_e6_c112_se0.25,
 * ir_r4_k5_s2_e6_c192_se0.25, ir_r1_k3_s1_e6_c320_se0.25.
 */
export function timmEfficientNetB0(inputSize: number | null = null): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input' })
  let x = conv(input, 'conv_stem', { filters: 32, kernel: 3, stride: 2 })
  x = batchNormAct(x, 'bn1', 'silu')
  x = mobileBlocks(
    x,
    [
      [stage('ds', 1, 3, 1, 1, 16)],
      [stage('ir', 2, 3, 2, 6, 24)],
      [stage('ir', 2, 5, 2, 6, 40)],
      [stage('ir', 3, 3, 2, 6, 80)],
      [stage('ir', 3, 5, 1, 6, 112)],
      [stage('ir', 4, 5, 2, 6, 192)],
      [stage('ir', 1, 3, 1, 6, 320)],
    ],
    { seAct: 'silu', seGate: 'sigmoid' },
  )
  x = conv(x, 'conv_head', { filters: 1280, kernel: 1 })
  x = batchNormAct(x, 'bn2', 'silu')
  return tf.model({ inputs: input, outputs: x, name: 'efficientnet_b0' })
}

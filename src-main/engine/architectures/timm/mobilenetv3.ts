import * as tf from '../../tf'
import { mobileBlocks, type StageSpec } from './efficientnet'
import { activation, batchNormAct, conv, makeDivisible, type Act } from './layers'

/** MobileNetV3's SE is a quarter of the expanded channels, rounded to 8 (timm: se_from_exp=True). */
const seQuarterOfMid = (_in: number, mid: number) => makeDivisible(mid * 0.25)

function stage(
  type: StageSpec['type'],
  repeats: number,
  kernel: number,
  stride: number,
  expansion: number,
  out: number,
  se: boolean,
  act: Act,
): StageSpec {
  return { type, repeats, kernel, stride, expansion, out, se: se ? seQuarterOfMid : null, act }
}

/**
 * timm's `mobilenetv3_large_100` without its classifier (num_classes=0): its arch_def
 * (ds_r1_k3_s1_e1_c16_nre; ir_r1_k3_s2_e4_c24_nre, ir_r1_k3_s1_e3_c24_nre; ir_r3_k5_s2_e3_c40_se0.25_nre;
 * ir_r1_k3_s2_e6_c80, ir_r1_k3_s1_e2.5_c80, ir_r2_k3_s1_e2.3_c80; ir_r2_k3_s1_e6_c112_se0.25;
 * ir_r3_k5_s2_e6_c160_se0.25; cn_r1_k1_s1_c960), hard-swish elsewhere, SE with ReLU and
 * hard-sigmoid, then timm's head: global_pool, conv_head (1x1 with bias), act2 — a 1x1x1280 output.
 */
export function timmMobileNetV3Large100(inputSize: number | null = null): tf.LayersModel {
  const input = tf.input({ shape: [inputSize, inputSize, 3], name: 'input' })
  let x = conv(input, 'conv_stem', { filters: 16, kernel: 3, stride: 2 })
  x = batchNormAct(x, 'bn1', 'hard_swish')
  const options = { seAct: 'relu', seGate: 'hard_sigmoid' } as const
  const stages: StageSpec[][] = [
    [stage('ds', 1, 3, 1, 1, 16, false, 'relu')],
    [stage('ir', 1, 3, 2, 4, 24, false, 'relu'), stage('ir', 1, 3, 1, 3, 24, false, 'relu')],
    [stage('ir', 3, 5, 2, 3, 40, true, 'relu')],
    [
      stage('ir', 1, 3, 2, 6, 80, false, 'hard_swish'),
      stage('ir', 1, 3, 1, 2.5, 80, false, 'hard_swish'),
      stage('ir', 2, 3, 1, 2.3, 80, false, 'hard_swish'),
    ],
    [stage('ir', 2, 3, 1, 6, 112, true, 'hard_swish')],
    [stage('ir', 3, 5, 2, 6, 160, true, 'hard_swish')],
    [stage('cn', 1, 1, 1, 1, 960, false, 'hard_swish')],
  ]
  x = mobileBlocks(x, stages, options)
  x = tf.layers.globalAveragePooling2d({ name: 'global_pool' }).apply(x) as tf.SymbolicTensor
  x = tf.layers.reshape({ targetShape: [1, 1, 960], name: 'global_pool.keepdim' }).apply(x) as tf.SymbolicTensor
  x = conv(x, 'conv_head', { filters: 1280, kernel: 1, bias: true })
  x = activation(x, 'act2', 'hard_swish')
  return tf.model({ inputs: input, outputs: x, name: 'mobilenetv3_large_100' })
}

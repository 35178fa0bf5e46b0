import type { BaseFamily, Preprocessing } from '@shared/domain/model'
import type { ModelSummary } from '@shared/domain/run'
import type * as tf from '../engine/tf'
import { cutBase, FAMILY_DEFAULTS, loadTfjsFolder, summarizeModel } from '../engine/architectures'
import { loadKerasBase, type KerasFamily } from '../engine/architectures/keras'
import { loadTimmBase, timmFamily, type TimmArch } from '../engine/architectures/timm'

/** Size at which a base's summary (output shapes, FLOPs) is computed: ImageNet's native 224. */
const SUMMARY_INPUT_SIZE = 224

export interface TfjsInspection {
  cut: string
  preprocessing: Preprocessing
  minInputSize: number
  summary: ModelSummary
}

export interface KerasInspection {
  family: KerasFamily
  layout: string
  summary: ModelSummary
}

export interface TimmInspection {
  arch: TimmArch
  summary: ModelSummary
}

/** Which cut layer and preprocessing a tfjs base of a family gets (Keras-named ones are Keras models). */
function tfjsDefaults(
  family: BaseFamily,
  model: tf.LayersModel,
): { cut: string; preprocessing: Preprocessing; minInputSize: number } {
  const names = new Set(model.layers.map((l) => l.name))
  const last = model.outputLayers[0]?.name ?? model.layers[model.layers.length - 1]!.name
  if (family === 'custom') return { cut: last, preprocessing: 'imagenet-mean-std', minInputSize: 32 }
  const d = FAMILY_DEFAULTS[family]
  if (family === 'mobilenetv2' && names.has('out_relu') && !names.has('head_relu')) {
    return { cut: 'out_relu', preprocessing: d.preprocessing['keras-h5'], minInputSize: d.minInputSize }
  }
  const cut = names.has(d.cutLayer['tfjs-layers']) ? d.cutLayer['tfjs-layers'] : last
  return { cut, preprocessing: d.preprocessing['tfjs-layers'], minInputSize: d.minInputSize }
}

function summarize(model: tf.LayersModel, cut: string, minInputSize: number): ModelSummary {
  const cutModel = cutBase(model, cut, Math.max(SUMMARY_INPUT_SIZE, minInputSize))
  try {
    return summarizeModel(cutModel)
  } finally {
    cutModel.dispose()
  }
}

/** Loads a tfjs LayersModel folder (the step a hostile model.json can make endless) and describes it. */
export async function inspectTfjsModel(dir: string, family: BaseFamily): Promise<TfjsInspection> {
  const model = await loadTfjsFolder(dir)
  try {
    const defaults = tfjsDefaults(family, model)
    return { ...defaults, summary: summarize(model, defaults.cut, defaults.minInputSize) }
  } finally {
    model.dispose()
  }
}

/** Loads a Keras .h5 base into its architecture and describes it. */
export async function inspectKerasFile(file: string, family?: KerasFamily): Promise<KerasInspection> {
  const loaded = await loadKerasBase(file, family)
  try {
    const d = FAMILY_DEFAULTS[loaded.family]
    return {
      family: loaded.family,
      layout: loaded.layout,
      summary: summarize(loaded.model, d.cutLayer['keras-h5'], d.minInputSize),
    }
  } finally {
    loaded.model.dispose()
  }
}

/** Loads a timm .safetensors state_dict into its architecture (named, or recognised from its tensors) and describes it. */
export async function inspectSafetensorsFile(file: string, arch?: TimmArch): Promise<TimmInspection> {
  const loaded = await loadTimmBase(file, arch)
  try {
    const d = FAMILY_DEFAULTS[timmFamily(loaded.arch)]
    return { arch: loaded.arch, summary: summarize(loaded.model, d.cutLayer.safetensors, d.minInputSize) }
  } finally {
    loaded.model.dispose()
  }
}

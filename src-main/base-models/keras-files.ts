import { homedir } from 'node:os'
import { join } from 'node:path'

export type KerasDownloadName = 'vgg16' | 'mobilenetv2'

export interface KerasFileSpec {
  /** File name in Keras' cache (~/.keras/models). */
  fileName: string
  url: string
  /** Keras pins an MD5 for VGG16; it pins none for MobileNetV2, so only its sha256 is recorded. */
  md5: string | null
}

const BASE = 'https://storage.googleapis.com/tensorflow/keras-applications'

/** The canonical Keras Applications no-top weight files, as `keras.applications` downloads them. */
export const KERAS_FILES: Record<KerasDownloadName, KerasFileSpec> = {
  vgg16: {
    fileName: 'vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5',
    url: `${BASE}/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5`,
    md5: '6d6bbae143d832006294945121d1f1fc',
  },
  mobilenetv2: {
    fileName: 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5',
    url: `${BASE}/mobilenet_v2/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5`,
    md5: null,
  },
}

/** Keras' cache folder ($KERAS_HOME/models or ~/.keras/models). */
export function kerasModelsDir(): string {
  return join(process.env.KERAS_HOME ?? join(homedir(), '.keras'), 'models')
}

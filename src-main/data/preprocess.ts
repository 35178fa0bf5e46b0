import type { Preprocessing } from '@shared/domain/model'

/** ImageNet statistics on the 0..1 scale (torchvision / ONNX zoo). */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const
/** Caffe-style means on the 0..255 scale, in BGR order (Keras `preprocess_input(mode='caffe')`). */
export const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68] as const

/**
 * Scales RGB uint8 pixels (NHWC, channels last) the way a model expects. The mode comes from the
 * model (the seed CNN: unit; a base: its registered preprocessing), never from the user.
 */
export function preprocessPixels(pixels: Uint8Array, mode: Preprocessing): Float32Array {
  if (pixels.length % 3 !== 0) throw new Error(`preprocessPixels: ${pixels.length} values is not a multiple of 3 channels`)
  const out = new Float32Array(pixels.length)
  const n = pixels.length
  switch (mode) {
    case 'unit':
      for (let i = 0; i < n; i++) out[i] = pixels[i]! / 255
      return out
    case 'raw':
      for (let i = 0; i < n; i++) out[i] = pixels[i]!
      return out
    case 'minus-one-one':
      for (let i = 0; i < n; i++) out[i] = pixels[i]! / 127.5 - 1
      return out
    case 'imagenet-mean-std': {
      const [m0, m1, m2] = IMAGENET_MEAN
      const [s0, s1, s2] = IMAGENET_STD
      for (let i = 0; i < n; i += 3) {
        out[i] = (pixels[i]! / 255 - m0) / s0
        out[i + 1] = (pixels[i + 1]! / 255 - m1) / s1
        out[i + 2] = (pixels[i + 2]! / 255 - m2) / s2
      }
      return out
    }
    case 'caffe': {
      const [b, g, r] = CAFFE_MEAN_BGR
      for (let i = 0; i < n; i += 3) {
        // Channel order flips to BGR, then each channel loses its mean.
        out[i] = pixels[i + 2]! - b
        out[i + 1] = pixels[i + 1]! - g
        out[i + 2] = pixels[i]! - r
      }
      return out
    }
  }
}

/** One-hot float32 rows for labels in [0, numClasses). */
export function oneHot(labels: ArrayLike<number>, numClasses: number): Float32Array {
  const out = new Float32Array(labels.length * numClasses)
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!
    if (!Number.isInteger(label) || label < 0 || label >= numClasses) {
      throw new Error(`oneHot: label ${label} at index ${i} is outside 0..${numClasses - 1}`)
    }
    out[i * numClasses + label] = 1
  }
  return out
}

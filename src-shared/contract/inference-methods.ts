import { z } from 'zod'
import { method } from './define'

/** Formats a trained model is exported to. */
export const ModelFormat = z.enum(['tfjs', 'keras', 'onnx'])
export type ModelFormat = z.infer<typeof ModelFormat>

export const ExportModelRequest = z.object({
  id: z.string().min(1),
  format: ModelFormat,
  /** A new or empty folder (an earlier export there is replaced); default <data dir>/exports/<run>-<format>. */
  out: z.string().min(1, 'give a folder to export into').optional(),
})
export const ExportModelResult = z.object({
  format: ModelFormat,
  dir: z.string(),
  files: z.array(z.object({ name: z.string(), sizeBytes: z.number().int().min(0) })),
})
export type ExportModelResult = z.infer<typeof ExportModelResult>

/** One image to classify: a file path (CLI, desktop) or its bytes (a browser drop). */
export const PredictImage = z
  .object({
    name: z.string().min(1).max(500),
    path: z.string().min(1).optional(),
    /** The file's bytes, base64 (JPEG, PNG or WebP); at most ~20 MB. */
    dataBase64: z.string().min(1).max(28_000_000).optional(),
  })
  .refine((i) => (i.path === undefined) !== (i.dataBase64 === undefined), { message: 'give either path or dataBase64' })
export type PredictImage = z.infer<typeof PredictImage>

export const ClassProbability = z.object({
  classIndex: z.number().int().min(0),
  className: z.string(),
  probability: z.number().min(0).max(1),
})

/** Each image succeeds or fails on its own: a broken file does not stop the others. */
export const ImagePrediction = z.discriminatedUnion('ok', [
  z.object({
    name: z.string(),
    ok: z.literal(true),
    width: z.number().int().min(1),
    height: z.number().int().min(1),
    top: z.array(ClassProbability),
  }),
  z.object({ name: z.string(), ok: z.literal(false), error: z.string() }),
])
export type ImagePrediction = z.infer<typeof ImagePrediction>

export const PredictResult = z.object({
  runId: z.string(),
  /** How each image was prepared, in words (resize and scaling of the run). */
  preparation: z.string(),
  /** The same as data: the dataset's image side, the model's input side, the scaling mode. */
  input: z.object({ imageSize: z.number().int(), inputSize: z.number().int(), preprocessing: z.string() }),
  predictions: z.array(ImagePrediction),
})
export type PredictResult = z.infer<typeof PredictResult>

/**
 * The image Grad-CAM explains: a test image of the run's dataset by index, an image file, or an image's
 * bytes (a browser drop, sent as predictions send theirs).
 */
export const ExplainImage = z.union([
  z.object({ datasetIndex: z.number().int().min(0) }),
  z.object({ path: z.string().min(1) }),
  z.object({ name: z.string().min(1).max(500), dataBase64: z.string().min(1).max(28_000_000) }),
])
export type ExplainImage = z.infer<typeof ExplainImage>

export const ExplainRequest = z.object({
  id: z.string().min(1),
  image: ExplainImage,
  /** The class to explain (a class name of the run); default the predicted class. */
  className: z.string().min(1).optional(),
  /** A layer with a spatial feature map; default the last convolutional layer. */
  layer: z.string().min(1).optional(),
})
export type ExplainRequest = z.infer<typeof ExplainRequest>

export const ExplainResult = z.object({
  runId: z.string(),
  predicted: ClassProbability,
  /** The class explained and its probability. */
  explained: ClassProbability,
  layer: z.string(),
  availableLayers: z.array(z.string()),
  /** Side of the layer's feature map before upsampling. */
  layerSize: z.object({ width: z.number().int(), height: z.number().int() }),
  /** The heatmap: width x height values in [0, 1], row-major, over the image as the model saw it. */
  width: z.number().int().min(1),
  height: z.number().int().min(1),
  values: z.array(z.number().min(0).max(1)),
  /** That image (the dataset's size), RGB bytes base64, for drawing the heatmap over it. */
  imageRgbBase64: z.string(),
  /** The label of a dataset image; null for a file. */
  trueClass: z.string().nullable(),
})
export type ExplainResult = z.infer<typeof ExplainResult>

export const inferenceMethods = {
  'inference.exportModel': method(
    ExportModelRequest,
    ExportModelResult,
    'Export a completed run’s model as TensorFlow.js, Keras 3 (.keras + .weights.h5) or ONNX, with README.txt and export.json.',
  ),
  'inference.predict': method(
    z.object({
      id: z.string().min(1),
      images: z.array(PredictImage).min(1).max(64),
      topK: z.number().int().min(1).max(20).default(5),
    }),
    PredictResult,
    'Classify images (any size, JPEG/PNG/WebP) with a completed run’s model, prepared as the run’s training images were.',
  ),
  'inference.explain': method(
    ExplainRequest,
    ExplainResult,
    'Grad-CAM of a completed run for a test image or an image file: where the model looks for the predicted or a chosen class.',
  ),
}

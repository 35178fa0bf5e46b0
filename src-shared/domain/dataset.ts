import { z } from 'zod'

export const DatasetSourceKind = z.enum(['cifar10-binary', 'cifar10-python', 'image-folder'])
export type DatasetSourceKind = z.infer<typeof DatasetSourceKind>

export const SplitName = z.enum(['train', 'test'])
export type SplitName = z.infer<typeof SplitName>

/** A dataset decoded into the cache (uint8 NHWC) and registered in the store. */
export const DatasetInfo = z.object({
  id: z.string(),
  name: z.string(),
  source: z.object({
    kind: DatasetSourceKind,
    /** Where it was imported from (file or folder), as given by the user. */
    path: z.string(),
    /** sha256 of the source archive or of the sorted file list + contents. */
    sha256: z.string(),
  }),
  classNames: z.array(z.string()).min(2),
  imageSize: z.object({ height: z.number().int(), width: z.number().int(), channels: z.literal(3) }),
  /** counts[split][classIndex] */
  counts: z.object({ train: z.array(z.number().int()), test: z.array(z.number().int()) }),
  totals: z.object({ train: z.number().int(), test: z.number().int() }),
  sizeBytes: z.number().int(),
  createdAt: z.string(),
})
export type DatasetInfo = z.infer<typeof DatasetInfo>

/** An RGB image travelling to the renderer: PNG as a data URL, so it renders anywhere. */
export const ImageSample = z.object({
  index: z.number().int(),
  label: z.number().int(),
  className: z.string(),
  dataUrl: z.string(),
})
export type ImageSample = z.infer<typeof ImageSample>

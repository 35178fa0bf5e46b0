import { createHash } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import * as tf from '../tf'

/**
 * An IOHandler that writes a TensorFlow.js LayersModel folder (model.json + weights.bin) with plain
 * fs, since @tensorflow/tfjs without tfjs-node has no file:// saver.
 */
export function folderSaver(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      const data = artifacts.weightData
      const weights =
        data === undefined ? new Uint8Array(0) : new Uint8Array(Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : data)
      const modelJson = {
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      }
      await mkdir(dir, { recursive: true })
      await writeFile(join(dir, 'weights.bin'), weights)
      await writeFile(join(dir, 'model.json'), JSON.stringify(modelJson))
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          weightDataBytes: weights.byteLength,
        },
      }
    },
  }
}

export interface ExportedModel {
  dir: string
  sizeBytes: number
  sha256: string
}

/** Saves the trained model as a LayersModel folder (written aside, then renamed into place). */
export async function exportLayersModel(model: tf.LayersModel, dir: string): Promise<ExportedModel> {
  const tmp = `${dir}.tmp`
  await rm(tmp, { recursive: true, force: true })
  try {
    await model.save(folderSaver(tmp))
  } catch (error) {
    // Half a folder (a full disk) is removed, so the space comes back and nothing looks saved.
    await rm(tmp, { recursive: true, force: true })
    throw error
  }
  await rm(dir, { recursive: true, force: true })
  await rename(tmp, dir)
  const hash = createHash('sha256')
  let sizeBytes = 0
  for (const name of ['model.json', 'weights.bin']) {
    const bytes = await readFile(join(dir, name))
    hash.update(bytes)
    sizeBytes += bytes.byteLength
  }
  return { dir, sizeBytes, sha256: hash.digest('hex') }
}

import { randomUUID } from 'node:crypto'
import { copyFile, mkdir, rename, rm, stat } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { ContractError } from '@shared/contract'
import {
  chooseBase,
  familyOfBaseId,
  IMAGENET_BASE_IDS,
  type BaseFamily,
  type BaseFormat,
  type BaseModelInfo,
} from '@shared/domain/model'
import { diskFullError, isDiskFull, mapDiskFull } from '../core/disk-full'
import type { EventBus } from '../core/event-bus'
import type { RegistryStore } from '../store'
import {
  FAMILY_DEFAULTS,
  inspectTfjsFolder,
  recogniseBaseFamily,
  loadBaseFromInfo,
  type LoadedBase,
} from '../engine/architectures'
import { bundledBasesDir, isBundledPath } from '../engine/architectures/bundled-bases'
import { isKerasFamily, type KerasFamily } from '../engine/architectures/keras'
import { timmArchOfFamily, timmFamily, type TimmArch } from '../engine/architectures/timm'
import { downloadFile } from './download'
import { hashFiles, slugify } from './files'
import { baseInspector, type BaseInspector } from './inspector'
import { KERAS_FILES, kerasModelsDir, type KerasDownloadName, type KerasFileSpec } from './keras-files'

/** The part of the registry store that holds base models. */
export type BaseRegistry = Pick<RegistryStore, 'putBaseModel' | 'listBaseModels' | 'getBaseModel' | 'deleteBaseModel'>

export interface ModelServiceOptions {
  dataDir: string
  registry: BaseRegistry
  events?: EventBus | null
  /** Override where/what `download` fetches (tests point it at a local server). */
  kerasFiles?: Partial<Record<KerasDownloadName, Partial<KerasFileSpec>>>
  /** Throws when a queued or running run still trains on the base. */
  refuseDeleteInUse?: (id: string) => void
  /** Keras' cache folder to look in before downloading; null = never look. */
  kerasCacheDir?: string | null
  /** Where imported bases are loaded to be described (default: the process's shared inspect worker). */
  inspector?: BaseInspector
}

export interface ImportRequest {
  path: string
  name?: string | undefined
  family?: BaseFamily | undefined
  jobId?: string | undefined
}

/** Folder names of the tfjs bases that ship with the app (resources/bases, named as their registry ids), by family. */
const SHARED_BASES: Partial<Record<BaseFamily, string>> = IMAGENET_BASE_IDS

/** Display names of the Keras Applications and timm models a file can be imported as. */
const KERAS_NAMES: Record<KerasFamily, string> = {
  vgg16: 'VGG16 (Keras, ImageNet)',
  mobilenetv2: 'MobileNetV2 1.0 (Keras, ImageNet)',
  resnet50: 'ResNet50 (Keras, ImageNet)',
  efficientnetb0: 'EfficientNetB0 (Keras, ImageNet)',
}
const TIMM_NAMES: Record<TimmArch, string> = {
  resnet18: 'ResNet-18 (timm)',
  resnet50: 'ResNet-50 (timm)',
  efficientnet_b0: 'EfficientNet-B0 (timm)',
  mobilenetv3_large_100: 'MobileNetV3-Large 1.0 (timm)',
}

function failed(error: unknown): ContractError {
  return error instanceof ContractError ? error : new ContractError('failed', (error as Error).message ?? String(error))
}

/** The registry of pretrained bases: import (validated, copied, hashed, summarised), download, delete, load. */
export class ModelService {
  private readonly dataDir: string
  private readonly registry: BaseRegistry
  private readonly events: EventBus | null
  private readonly kerasFiles: Record<KerasDownloadName, KerasFileSpec>
  private readonly kerasCacheDir: string | null
  private readonly refuseDeleteInUse: ((id: string) => void) | undefined
  private readonly inspector: BaseInspector

  constructor(options: ModelServiceOptions) {
    this.dataDir = options.dataDir
    this.registry = options.registry
    this.events = options.events ?? null
    this.kerasFiles = {
      vgg16: { ...KERAS_FILES.vgg16, ...options.kerasFiles?.vgg16 },
      mobilenetv2: { ...KERAS_FILES.mobilenetv2, ...options.kerasFiles?.mobilenetv2 },
    }
    this.kerasCacheDir = options.kerasCacheDir === undefined ? kerasModelsDir() : options.kerasCacheDir
    this.refuseDeleteInUse = options.refuseDeleteInUse
    this.inspector = options.inspector ?? baseInspector
  }

  list(): BaseModelInfo[] {
    return this.registry.listBaseModels()
  }

  get(id: string): BaseModelInfo {
    const info = this.registry.getBaseModel(id)
    if (info) return info
    throw new ContractError('not_found', `base model "${id}" is not registered; ${this.howToGet(familyOfBaseId(id))}`)
  }

  /** The registered base of a family by the rule presets use too (`chooseBase`), or null. */
  findForFamily(family: BaseFamily): BaseModelInfo | null {
    return chooseBase(this.list(), { family })
  }

  /** Exact instructions for getting a base of a family (or any base). */
  howToGet(family: BaseFamily | null): string {
    const ways: string[] = []
    const shared = family ? SHARED_BASES[family] : undefined
    if (shared) {
      const bundled = bundledBasesDir()
      const folder = bundled && existsSync(join(bundled, shared)) ? join(bundled, shared) : `PATH/TO/${shared}`
      ways.push(`cifar-workbench models import ${folder}`)
    }
    if (family === 'mobilenetv2' || family === 'vgg16') ways.push(`cifar-workbench models download ${family}`)
    const arch = family ? timmArchOfFamily(family) : null
    if (arch) ways.push(`cifar-workbench models import ${arch}.safetensors --arch ${arch} (timm's state_dict)`)
    else if (family && isKerasFamily(family) && !ways.length)
      ways.push(`cifar-workbench models import FILE.h5 (Keras' ${family} weights)`)
    if (ways.length === 0) {
      ways.push('cifar-workbench models import PATH (a model.json folder, a Keras .h5 file or a timm .safetensors state_dict)')
    }
    return `register one with: ${ways.join('  or: ')}`
  }

  /** Like `get` but for a family a preset needs: the error says exactly how to get one. */
  requireFamily(family: BaseFamily): BaseModelInfo {
    const found = this.findForFamily(family)
    if (found) return found
    throw new ContractError('not_found', `no ${family} base model is registered; ${this.howToGet(family)}`)
  }

  async loadBase(id: string): Promise<LoadedBase> {
    return loadBaseFromInfo(this.dataDir, this.get(id))
  }

  async import(request: ImportRequest, source?: string): Promise<BaseModelInfo> {
    const path = resolve(request.path)
    const info = await stat(path).catch(() => null)
    if (!info) throw new ContractError('not_found', `${path}: no such file or folder`)
    const progress = this.progress(request.jobId, 'model-import')
    try {
      if (info.isDirectory()) return await this.importTfjs(path, request, progress, source)
      if (basename(path) === 'model.json') return await this.importTfjs(dirname(path), request, progress, source)
      if (/\.h5$/i.test(path)) return await this.importKeras(path, request, progress, source)
      if (/\.safetensors$/i.test(path)) return await this.importSafetensors(path, request, progress, source)
      throw new Error(
        `${path}: expected a TensorFlow.js model folder (model.json + shards), a Keras .h5 weights file or a .safetensors state_dict`,
      )
    } catch (error) {
      throw failed(mapDiskFull(error, this.dataDir, info.isDirectory() ? null : info.size))
    }
  }

  async download(request: { name: KerasDownloadName; jobId?: string | undefined }): Promise<BaseModelInfo> {
    const id = `${request.name}-keras`
    const existing = this.registry.getBaseModel(id)
    if (existing) return existing
    const spec = this.kerasFiles[request.name]
    const progress = this.progress(request.jobId, 'model-download')
    // Keras' own cache first: a Keras user already has the file.
    if (this.kerasCacheDir) {
      const cached = join(this.kerasCacheDir, spec.fileName)
      if (existsSync(cached) && (spec.md5 === null || (await hashFiles([cached], 'md5')) === spec.md5)) {
        return this.import({ path: cached, family: request.name, jobId: request.jobId }, `Keras cache ${cached}`)
      }
    }
    const partDir = join(this.dataDir, 'models', '.downloads')
    await mkdir(partDir, { recursive: true })
    const part = join(partDir, `${spec.fileName}.${randomUUID().slice(0, 8)}.part`)
    try {
      const { md5 } = await downloadFile(spec.url, part, (done, total) => progress('download', done, total))
      if (spec.md5 !== null && md5 !== spec.md5) {
        throw new ContractError(
          'failed',
          `${spec.url}: MD5 ${md5} does not match the expected ${spec.md5}; the file was discarded`,
        )
      }
      const file = join(partDir, spec.fileName)
      await rename(part, file)
      try {
        return await this.import({ path: file, family: request.name, jobId: request.jobId }, `downloaded from ${spec.url}`)
      } finally {
        await rm(file, { force: true })
      }
    } catch (error) {
      if (error instanceof ContractError) throw error
      if (isDiskFull(error)) throw diskFullError(this.dataDir)
      throw new ContractError(
        'unavailable',
        `cannot download ${request.name} from ${spec.url} (${(error as Error).message}); offline, copy ${spec.fileName} ` +
          `from a Keras cache (~/.keras/models) and run: cifar-workbench models import PATH`,
      )
    } finally {
      await rm(part, { force: true })
    }
  }

  async delete(id: string): Promise<{ ok: true }> {
    const info = this.get(id)
    if (isBundledPath(info.path)) {
      throw new ContractError('conflict', `base model "${id}" ships with the app and cannot be deleted`)
    }
    this.refuseDeleteInUse?.(id)
    this.registry.deleteBaseModel(id)
    // Only files the workbench copied are removed; a base registered in place stays on disk.
    if (!isAbsolute(info.path)) await rm(join(this.dataDir, 'models', id), { recursive: true, force: true })
    return { ok: true }
  }

  // ------------------------------------------------------------------ internals

  private progress(jobId: string | undefined, kind: 'model-import' | 'model-download') {
    return (stage: string, done: number, total: number | null, message: string | null = null) => {
      if (jobId && this.events) this.events.emit('job.progress', { jobId, kind, stage, done, total, message })
    }
  }

  /**
   * The base these exact bytes are already registered as, when the request asks for nothing else (no
   * other name or family): importing the same file again answers with it instead of a conflict.
   */
  private alreadyRegistered(
    sha256: string,
    format: BaseModelInfo['format'],
    request: ImportRequest,
    id: string | null,
  ): BaseModelInfo | null {
    const found = this.list().find(
      (b) =>
        b.sha256 === sha256 &&
        b.format === format &&
        (request.name === undefined || b.id === id) &&
        (request.family === undefined || b.family === request.family),
    )
    if (found) this.progress(request.jobId, 'model-import')('done', 3, 3, `already registered as ${found.id}`)
    return found ?? null
  }

  private claimId(requested: string): string {
    if (this.registry.getBaseModel(requested)) {
      throw new ContractError(
        'conflict',
        `a base model with id "${requested}" is already registered; delete it first or give another --name`,
      )
    }
    return requested
  }

  /** Registers a base whose files were just copied in; when the registry cannot take it (a full database), the copy goes too. */
  private async register(info: BaseModelInfo, copiedDir: string): Promise<void> {
    try {
      this.registry.putBaseModel(info)
    } catch (error) {
      await rm(copiedDir, { recursive: true, force: true })
      throw error
    }
  }

  /** Copy files into <dataDir>/models/<id>/ through a temporary folder, so a failure leaves nothing behind. */
  private async copyIn(id: string, files: Array<{ from: string; to: string }>): Promise<string> {
    const models = join(this.dataDir, 'models')
    const temp = join(models, `.import-${id}-${randomUUID().slice(0, 8)}`)
    const final = join(models, id)
    try {
      for (const f of files) {
        await mkdir(dirname(join(temp, f.to)), { recursive: true })
        await copyFile(f.from, join(temp, f.to))
      }
      await rm(final, { recursive: true, force: true })
      await rename(temp, final)
    } catch (error) {
      await rm(temp, { recursive: true, force: true })
      throw error
    }
    return final
  }

  private async importTfjs(dir: string, request: ImportRequest, progress: ReturnType<ModelService['progress']>, source?: string) {
    progress('validate', 0, 3)
    const folder = await inspectTfjsFolder(dir)
    const files = [join(dir, 'model.json'), ...folder.shards]
    const same = this.alreadyRegistered(await hashFiles(files), 'tfjs-layers', request, slugify(request.name ?? basename(dir)))
    if (same) return same
    const family = request.family ?? recogniseBaseFamily(folder.layerNames)
    const defaults = await this.inspector.tfjs(dir, family)
    const summary = defaults.summary
    const metadata = (folder.json.userDefinedMetadata ?? {}) as { name?: unknown; source?: unknown }
    const id = this.claimId(slugify(request.name ?? basename(dir)))
    progress('copy', 1, 3)
    const final = await this.copyIn(
      id,
      files.map((from) => ({ from, to: relative(dir, from) })),
    )
    progress('hash', 2, 3)
    const sha256 = await hashFiles(files.map((f) => join(final, relative(dir, f))))
    const info: BaseModelInfo = {
      id,
      name: request.name ?? (typeof metadata.name === 'string' ? metadata.name : basename(dir)),
      family,
      format: 'tfjs-layers',
      path: relative(this.dataDir, final),
      sha256,
      preprocessing: defaults.preprocessing,
      defaultCutLayer: defaults.cut,
      minInputSize: defaults.minInputSize,
      source: source ?? (typeof metadata.source === 'string' ? metadata.source : `imported from ${dir}`),
      summary,
      registeredAt: new Date().toISOString(),
    }
    await this.register(info, final)
    progress('done', 3, 3)
    return info
  }

  private async importKeras(
    file: string,
    request: ImportRequest,
    progress: ReturnType<ModelService['progress']>,
    source?: string,
  ) {
    if (request.family && !isKerasFamily(request.family)) {
      throw new Error(
        `${file}: Keras .h5 files can be imported as vgg16, mobilenetv2, resnet50 or efficientnetb0, not ${request.family}`,
      )
    }
    progress('validate', 0, 3)
    const same = this.alreadyRegistered(await hashFiles([file]), 'keras-h5', request, request.name ? slugify(request.name) : null)
    if (same) return same
    const loaded = await this.inspector.keras(file, request.family)
    const family = loaded.family
    return this.registerFile(file, progress, {
      id: this.claimId(request.name ? slugify(request.name) : `${family}-keras`),
      name: request.name ?? KERAS_NAMES[family],
      family,
      format: 'keras-h5',
      source: source ?? `imported from ${file} (${loaded.layout} layout)`,
      summary: loaded.summary,
    })
  }

  private async importSafetensors(
    file: string,
    request: ImportRequest,
    progress: ReturnType<ModelService['progress']>,
    source?: string,
  ) {
    const asked = request.family ? timmArchOfFamily(request.family) : undefined
    if (asked === null) {
      throw new Error(`${file}: .safetensors files can be imported as one of timm's architectures, not ${request.family}`)
    }
    progress('validate', 0, 3)
    const same = this.alreadyRegistered(
      await hashFiles([file]),
      'safetensors',
      request,
      request.name ? slugify(request.name) : null,
    )
    if (same) return same
    const loaded = await this.inspector.safetensors(file, asked)
    const family = timmFamily(loaded.arch)
    return this.registerFile(file, progress, {
      id: this.claimId(request.name ? slugify(request.name) : `${loaded.arch}-timm`),
      name: request.name ?? TIMM_NAMES[loaded.arch],
      family,
      format: 'safetensors',
      source: source ?? `imported from ${file} (timm ${loaded.arch} state_dict)`,
      summary: loaded.summary,
    })
  }

  /**
   * Copies a one-file base (Keras .h5, safetensors) into its folder and registers it with its family's
   * defaults for that format, hashing the copy that will be used.
   */
  private async registerFile(
    file: string,
    progress: ReturnType<ModelService['progress']>,
    base: Pick<BaseModelInfo, 'id' | 'name' | 'source' | 'summary'> & {
      family: Exclude<BaseFamily, 'custom'>
      format: BaseFormat
    },
  ): Promise<BaseModelInfo> {
    const d = FAMILY_DEFAULTS[base.family]
    progress('copy', 1, 3)
    const final = await this.copyIn(base.id, [{ from: file, to: basename(file) }])
    progress('hash', 2, 3)
    const copied = join(final, basename(file))
    const info: BaseModelInfo = {
      ...base,
      path: relative(this.dataDir, copied),
      sha256: await hashFiles([copied]),
      preprocessing: d.preprocessing[base.format],
      defaultCutLayer: d.cutLayer[base.format],
      minInputSize: d.minInputSize,
      registeredAt: new Date().toISOString(),
    }
    await this.register(info, final)
    progress('done', 3, 3)
    return info
  }
}

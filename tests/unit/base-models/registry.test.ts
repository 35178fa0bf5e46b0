import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { createHash } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ContractError } from '@shared/contract'
import { openStore, type Store } from '../../../src-main/store'
import { ModelService } from '../../../src-main/base-models'
import { mobileNetV2NoTop } from '../../../src-main/engine/architectures/keras'
import { randomLayers, writeKeras2 } from '../architectures/h5-fixtures'
import { runCli } from '../support/cli'

// The tfjs bases that ship with the app, imported here as a user would import any tfjs folder.
const shared = resolve(__dirname, '../../../resources/bases')

const root = mkdtempSync(join(tmpdir(), 'model-registry-'))
let store: Store
let service: ModelService
let dataDir: string
let kerasFile: string

beforeAll(async () => {
  dataDir = join(root, 'data')
  mkdirSync(dataDir)
  store = openStore(join(dataDir, 'workbench.sqlite'), { dataDir })
  service = new ModelService({ dataDir, registry: store.registry, kerasCacheDir: null })
  // A Keras 2 MobileNetV2 no-top file with random weights, named as Keras names its cache file.
  const model = mobileNetV2NoTop(null)
  kerasFile = join(root, 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5')
  await writeKeras2(kerasFile, randomLayers(model, 3))
  model.dispose()
})
afterAll(() => {
  store?.close()
  rmSync(root, { recursive: true, force: true })
})

async function failure(promise: Promise<unknown>): Promise<ContractError> {
  try {
    await promise
  } catch (error) {
    expect(error).toBeInstanceOf(ContractError)
    return error as ContractError
  }
  throw new Error('expected a failure')
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex')

describe('registry of tfjs folders', () => {
  it('imports, lists, loads and deletes the shared SqueezeNet with its summary', async () => {
    const info = await service.import({ path: join(shared, 'squeezenet1.1-imagenet') })
    expect(info).toMatchObject({
      id: 'squeezenet1.1-imagenet',
      family: 'squeezenet',
      format: 'tfjs-layers',
      preprocessing: 'imagenet-mean-std',
      defaultCutLayer: 'fire9_concat',
      path: join('models', 'squeezenet1.1-imagenet'),
    })
    const copied = join(dataDir, info.path)
    expect(readdirSync(copied).sort()).toEqual(['group1-shard1of2.bin', 'group1-shard2of2.bin', 'model.json'])
    const expectedHash = createHash('sha256')
    for (const f of ['model.json', 'group1-shard1of2.bin', 'group1-shard2of2.bin'])
      expectedHash.update(readFileSync(join(copied, f)))
    expect(info.sha256).toBe(expectedHash.digest('hex'))
    // Up to fire9_concat: the full model's 1,235,496 parameters minus conv10 (512·1000 + 1000).
    expect(info.summary!.totalParams).toBe(1_235_496 - 513_000)
    expect(info.summary!.layers.at(-1)!.name).toBe('fire9_concat')
    expect(info.summary!.flopsPerImage).toBeGreaterThan(0)

    expect(service.list().map((b) => b.id)).toEqual(['squeezenet1.1-imagenet'])
    expect(service.requireFamily('squeezenet').id).toBe(info.id)
    const loaded = await service.loadBase(info.id)
    expect(loaded.model.getLayer('fire9_concat')).toBeDefined()
    loaded.model.dispose()

    // The same folder again answers with the base it already is; other bytes under its id are a conflict.
    expect(await service.import({ path: join(shared, 'squeezenet1.1-imagenet') })).toEqual(info)
    expect(service.list()).toHaveLength(1)
    const taken = await failure(service.import({ path: kerasFile, name: 'squeezenet1.1-imagenet' }))
    expect(taken.code).toBe('conflict')
    expect(taken.message).toMatch(/"squeezenet1\.1-imagenet" is already registered/)
    await service.delete(info.id)
    expect(service.list()).toEqual([])
    expect(existsSync(copied)).toBe(false)
    expect((await failure(service.loadBase(info.id))).message).toMatch(
      `base model "squeezenet1.1-imagenet" is not registered; register one with: cifar-workbench models import ${join(shared, 'squeezenet1.1-imagenet')}`,
    )
  })

  it('a broken model.json and a truncated shard give clear errors and register nothing', async () => {
    const broken = join(root, 'broken')
    mkdirSync(broken)
    for (const f of readdirSync(join(shared, 'squeezenet1.1-imagenet')))
      copyFileSync(join(shared, 'squeezenet1.1-imagenet', f), join(broken, f))
    const json = readFileSync(join(broken, 'model.json'), 'utf8')

    writeFileSync(join(broken, 'model.json'), json.slice(0, 500))
    const badJson = await failure(service.import({ path: broken }))
    expect(badJson.code).toBe('failed')
    expect(badJson.message).toMatch(new RegExp(`${join(broken, 'model.json')}: invalid JSON`))

    writeFileSync(join(broken, 'model.json'), json)
    truncateSync(join(broken, 'group1-shard2of2.bin'), 1000)
    const truncated = await failure(service.import({ path: broken }))
    expect(truncated.message).toBe(
      `${broken}: weight shards hold ${4194304 + 1000} bytes but model.json describes ${4194304 + 747680} bytes (truncated or wrong shard?)`,
    )

    rmSync(join(broken, 'group1-shard2of2.bin'))
    expect((await failure(service.import({ path: broken }))).message).toMatch(
      /group1-shard2of2\.bin: weight shard listed in model.json is missing/,
    )

    expect(service.list()).toEqual([])
    expect(readdirSync(join(dataDir, 'models')).filter((n) => !n.startsWith('.downloads'))).toEqual([])
  })
})

describe('cifar-workbench models import', () => {
  it('the same file twice: both succeed, the second prints the base it already is', async () => {
    const home = join(root, 'cli-home')
    const first = await runCli(home, 'models', 'import', kerasFile, '--json')
    expect(first.code).toBe(0)
    const info = JSON.parse(first.stdout) as { id: string; sha256: string }
    const again = await runCli(home, 'models', 'import', kerasFile)
    expect(again.code).toBe(0)
    expect(again.stdout).toMatch(/^already registered mobilenetv2-keras +mobilenetv2 +keras-h5/)
    expect(again.stdout).toContain(`sha256 ${info.sha256}`)
    // Registered once, beside the two bases that ship with the app.
    const list = JSON.parse((await runCli(home, 'models', 'list', '--json')).stdout) as Array<{ id: string }>
    expect(list.map((b) => b.id).sort()).toEqual(['mobilenetv2-imagenet', 'mobilenetv2-keras', 'squeezenet1.1-imagenet'])
  })
})

describe('registry of Keras .h5 files', () => {
  it('recognises a Keras MobileNetV2 file, registers it and loads it', async () => {
    const info = await service.import({ path: kerasFile })
    expect(info).toMatchObject({
      id: 'mobilenetv2-keras',
      family: 'mobilenetv2',
      format: 'keras-h5',
      preprocessing: 'minus-one-one',
      defaultCutLayer: 'out_relu',
    })
    expect(info.summary!.totalParams).toBe(2_257_984)
    expect(info.sha256).toBe(sha256(kerasFile))
    const copy = join(root, 'copy-of.h5')
    copyFileSync(kerasFile, copy)
    expect(await service.import({ path: copy })).toEqual(info)
    expect(service.list()).toEqual([info])
    const loaded = await service.loadBase(info.id)
    expect(loaded.model.getLayer('block_16_project_BN').getWeights().length).toBe(4)
    loaded.model.dispose()
    await service.delete(info.id)
    expect(service.list()).toEqual([])
  })

  it('refuses an .h5 of another architecture and a file that is not HDF5', async () => {
    const other = join(root, 'other.h5')
    await writeKeras2(other, [
      { name: 'dense_1', weights: [{ name: 'dense_1/kernel:0', shape: [2, 3], values: new Float32Array(6) }] },
    ])
    expect((await failure(service.import({ path: other }))).message).toMatch(
      /not a VGG16, MobileNetV2, ResNet50 or EfficientNetB0 Keras weights file \(layers found: dense_1\)/,
    )
    const text = join(root, 'notes.h5')
    writeFileSync(text, 'not hdf5')
    expect((await failure(service.import({ path: text }))).message).toMatch(/not a readable HDF5 file/)
    expect((await failure(service.import({ path: join(root, 'absent') }))).code).toBe('not_found')
  })

  it('downloads with an MD5 check (local server), and uses the Keras cache first', async () => {
    const body = readFileSync(kerasFile)
    const md5 = createHash('md5').update(body).digest('hex')
    const server: Server = createServer((req, res) => {
      if (req.url !== '/mobilenet.h5') return void res.writeHead(404).end()
      res.writeHead(200, { 'content-length': body.length }).end(body)
    })
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mobilenet.h5`
    try {
      const wrong = new ModelService({
        dataDir,
        registry: store.registry,
        kerasCacheDir: null,
        kerasFiles: { mobilenetv2: { url, md5: '0'.repeat(32) } },
      })
      const mismatch = await failure(wrong.download({ name: 'mobilenetv2' }))
      expect(mismatch.message).toBe(`${url}: MD5 ${md5} does not match the expected ${'0'.repeat(32)}; the file was discarded`)
      expect(service.list()).toEqual([])

      const missing = new ModelService({
        dataDir,
        registry: store.registry,
        kerasCacheDir: null,
        kerasFiles: { mobilenetv2: { url: `${url}x`, md5 } },
      })
      expect((await failure(missing.download({ name: 'mobilenetv2' }))).message).toMatch(
        /cannot download mobilenetv2 .*HTTP 404.*models import PATH/,
      )

      const good = new ModelService({
        dataDir,
        registry: store.registry,
        kerasCacheDir: null,
        kerasFiles: { mobilenetv2: { url, md5 } },
      })
      const info = await good.download({ name: 'mobilenetv2' })
      expect(info.source).toBe(`downloaded from ${url}`)
      expect(info.sha256).toBe(sha256(kerasFile))
      expect(readdirSync(join(dataDir, 'models', '.downloads'))).toEqual([])
      await good.delete(info.id)
    } finally {
      server.close()
    }
    // Offline with the file in Keras' cache: no network needed.
    const cache = join(root, 'keras-cache')
    mkdirSync(cache)
    copyFileSync(kerasFile, join(cache, 'mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5'))
    const offline = new ModelService({
      dataDir,
      registry: store.registry,
      kerasCacheDir: cache,
      kerasFiles: { mobilenetv2: { url: 'http://127.0.0.1:9/none' } },
    })
    const cached = await offline.download({ name: 'mobilenetv2' })
    expect(cached.source).toMatch(/^Keras cache /)
    await offline.delete(cached.id)
  })
})

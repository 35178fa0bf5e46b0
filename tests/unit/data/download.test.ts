import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest'
import type { JobProgressEvent } from '@shared/contract'
import { EventBus } from '../../../src-main/core/event-bus'
import { loadDatasetFromCache } from '../../../src-main/data/cache'
import { DatasetService } from '../../../src-main/data/dataset-service'
import { openStore, type Store } from '../../../src-main/store'
import { expectedNhwc, tarOf, tempDir, writeCifarBinary } from './fixtures'

type Mode = 'ok' | 'slow' | 'break' | 'missing'
let archive: Buffer
let md5: string
let server: Server
let base: string
let mode: Mode = 'ok'

beforeAll(async () => {
  const root = tempDir()
  writeCifarBinary(root, 40)
  archive = readFileSync(await tarOf(root, 'cifar-10-batches-bin', join(root, 'cifar-10-binary.tar.gz'), true))
  md5 = createHash('md5').update(archive).digest('hex')
  expect(archive.length).toBeGreaterThan(4 * 1024) // enough chunks to cancel or break in the middle
  server = createServer((req, res) => {
    if (mode === 'missing' || req.url !== '/cifar-10-binary.tar.gz') {
      res.writeHead(404).end('not here')
      return
    }
    res.writeHead(200, { 'content-type': 'application/gzip', 'content-length': String(archive.length) })
    if (mode === 'ok') return void res.end(archive)
    const chunk = 256
    let at = 0
    const send = () => {
      if (mode === 'break' && at >= archive.length / 2) return void res.destroy()
      if (at >= archive.length) return void res.end()
      res.write(archive.subarray(at, at + chunk))
      at += chunk
      setTimeout(send, mode === 'slow' ? 20 : 0)
    }
    send()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

let dataDir: string
let store: Store
let events: EventBus
let seen: JobProgressEvent[]
beforeEach(() => {
  mode = 'ok'
  dataDir = tempDir()
  store = openStore(join(dataDir, 'wb.sqlite'), { dataDir })
  events = new EventBus()
  seen = []
  events.subscribe((e) => {
    if (e.event === 'job.progress') seen.push(e.payload)
  })
})
afterEach(() => store.close())

const service = (expectedMd5 = md5) =>
  new DatasetService({
    dataDir,
    registry: store.registry,
    events,
    download: { url: `${base}/cifar-10-binary.tar.gz`, md5: expectedMd5 },
  })

function downloadsLeft(): string[] {
  const dir = join(dataDir, 'downloads')
  return existsSync(dir) ? readdirSync(dir) : []
}

describe('datasets.download', () => {
  it('downloads with progress, checks the MD5 and imports the archive', async () => {
    const info = await service().download({ jobId: 'dl-1' })
    expect(info.totals).toEqual({ train: 200, test: 40 })
    const loaded = await loadDatasetFromCache(dataDir, info)
    expect(Buffer.from(loaded.test.images).equals(Buffer.from(expectedNhwc(0, 40)))).toBe(true)
    const dl = seen.filter((e) => e.stage === 'download')
    expect(dl.every((e) => e.jobId === 'dl-1' && e.kind === 'dataset-download')).toBe(true)
    expect(dl.at(-1)).toMatchObject({ done: archive.length, total: archive.length })
    expect(seen.some((e) => e.stage === 'write')).toBe(true)
    expect(downloadsLeft()).toEqual(['cifar-10-binary.tar.gz'])
  })

  it('refuses an MD5 mismatch and keeps nothing', async () => {
    const error = await service('0'.repeat(32))
      .download({})
      .catch((e: unknown) => e)
    expect(error).toMatchObject({
      code: 'failed',
      message: expect.stringContaining(`has MD5 ${md5}, expected ${'0'.repeat(32)}`) as string,
    })
    expect(downloadsLeft()).toEqual([])
    expect(store.registry.listDatasets()).toEqual([])
  })

  it('cancels mid-transfer without a partial file, then retries cleanly', async () => {
    mode = 'slow'
    const svc = service()
    events.subscribe((e) => {
      if (e.event === 'job.progress' && e.payload.stage === 'download' && e.payload.done > 0 && e.payload.done < archive.length) {
        try {
          svc.cancel('dl-2')
        } catch {
          // already cancelled
        }
      }
    })
    await expect(svc.download({ jobId: 'dl-2' })).rejects.toMatchObject({ code: 'cancelled' })
    expect(downloadsLeft()).toEqual([])
    expect(store.registry.listDatasets()).toEqual([])
    mode = 'ok'
    const info = await service().download({ jobId: 'dl-2' })
    expect(info.totals.train).toBe(200)
  })

  it('fails clearly on a broken connection or a missing file, then retries cleanly', async () => {
    mode = 'break'
    await expect(service().download({})).rejects.toMatchObject({
      code: 'failed',
      message: expect.stringMatching(/broke off|stopped at/) as string,
    })
    expect(downloadsLeft()).toEqual([])
    mode = 'missing'
    await expect(service().download({})).rejects.toMatchObject({
      code: 'failed',
      message: expect.stringContaining('HTTP 404') as string,
    })
    mode = 'ok'
    await expect(service().download({})).resolves.toMatchObject({ totals: { train: 200, test: 40 } })
  })
})

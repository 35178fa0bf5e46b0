import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { create as tarCreate } from 'tar'
import type { CallResult } from '@shared/contract'
import type { DatasetInfo } from '@shared/domain/dataset'
import { startBrowserServer, type BrowserServer } from '../../../src-main/server'
import { writeCifarBinary } from '../data/fixtures'

const N = 4
const LIMIT = 256 * 1024
let server: BrowserServer
let dataDir: string
let work: string
let archive: string

/** PUT a body in chunks (no Content-Length when `chunked`), like a browser's streamed upload. */
function put(
  path: string,
  body: Buffer,
  opts: { chunked?: boolean; token?: string | null; abortAfter?: number } = {},
): Promise<{ status: number; json: CallResult<unknown> | null }> {
  return new Promise((resolve, reject) => {
    const token = opts.token === undefined ? server.token : opts.token
    const sep = path.includes('?') ? '&' : '?'
    const req = request(
      {
        host: '127.0.0.1',
        port: server.port,
        method: 'PUT',
        path: token ? `${path}${sep}token=${token}` : path,
        headers: opts.chunked ? { 'Transfer-Encoding': 'chunked' } : { 'Content-Length': body.length },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (text += c))
        res.on('end', () => {
          let json: CallResult<unknown> | null = null
          try {
            json = JSON.parse(text) as CallResult<unknown>
          } catch {
            // Already gone: nothing to clean.
          }
          resolve({ status: res.statusCode ?? 0, json })
        })
      },
    )
    req.on('error', (error) => (opts.abortAfter !== undefined ? resolve({ status: 0, json: null }) : reject(error)))
    if (opts.abortAfter !== undefined) {
      // Break off only once the server holds the first bytes on disk, so the cleanup is what is tested.
      req.write(body.subarray(0, opts.abortAfter), () => {
        void vi
          .waitFor(() => expect(partBytes()).toBeGreaterThanOrEqual(opts.abortAfter!), { timeout: 30_000 })
          .then(() => req.destroy())
      })
      return
    }
    for (let i = 0; i < body.length; i += 64 * 1024) req.write(body.subarray(i, i + 64 * 1024))
    req.end()
  })
}

/** Bytes received so far by the upload in progress (its one file under uploads/<id>/). */
function partBytes(): number {
  const [id] = leftovers()
  if (!id) return 0
  const [name] = readdirSync(join(dataDir, 'uploads', id))
  return name ? statSync(join(dataDir, 'uploads', id, name)).size : 0
}

const leftovers = () => (existsSync(join(dataDir, 'uploads')) ? readdirSync(join(dataDir, 'uploads')) : [])

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'cwb-upload-'))
  dataDir = join(work, 'data')
  writeCifarBinary(work, N)
  archive = join(work, 'cifar-10-binary.tar.gz')
  await tarCreate({ gzip: true, file: archive, cwd: work }, ['cifar-10-batches-bin'])
  server = await startBrowserServer({ dataDir, port: 0, rendererDir: work, maxUploadBytes: LIMIT })
})
afterAll(async () => {
  await server?.close()
  rmSync(work, { recursive: true, force: true })
})

describe('browser-mode uploads (PUT /upload/…)', () => {
  it('a real CIFAR-10 archive is streamed in, imported like a local path, and its upload copy removed', async () => {
    const r = await put('/upload/dataset?name=cifar-10-binary.tar.gz&label=uploaded', readFileSync(archive), { chunked: true })
    expect(r.status).toBe(200)
    const info = (r.json as { ok: true; value: DatasetInfo }).value
    expect(info).toMatchObject({ name: 'uploaded', totals: { train: 5 * N, test: N }, source: { kind: 'cifar10-binary' } })
    expect(JSON.parse(JSON.stringify(await server.core.invoke('datasets.list', {})))).toMatchObject({
      ok: true,
      value: [{ id: info.id }],
    })
    expect(leftovers()).toEqual([])
  })

  it('a broken archive fails with the local import’s error, named as uploaded, and leaves nothing', async () => {
    const r = await put('/upload/dataset?name=broken.tar.gz', Buffer.from('this is not gzip at all'))
    expect(r.status).toBe(422)
    expect(r.json).toEqual({
      ok: false,
      error: { code: 'failed', message: expect.stringMatching(/^broken\.tar\.gz: not gzip data/) as string },
    })
    expect(leftovers()).toEqual([])
  })

  it('an oversized file is refused, by its declared length or while it streams, and leaves nothing', async () => {
    const big = Buffer.alloc(LIMIT + 1, 7)
    const declared = await put('/upload/dataset?name=big.tar.gz', big)
    expect(declared.status).toBe(413)
    expect(declared.json).toMatchObject({
      ok: false,
      error: {
        code: 'invalid_input',
        message: expect.stringContaining(`big.tar.gz is larger than the upload limit of ${LIMIT} bytes`) as string,
      },
    })
    const streamed = await put('/upload/dataset?name=big.tar.gz', big, { chunked: true })
    expect([413, 0]).toContain(streamed.status)
    await vi.waitFor(() => expect(leftovers()).toEqual([]))
  })

  it('a connection that breaks off mid-upload leaves nothing', async () => {
    await put('/upload/dataset?name=cut.tar.gz', readFileSync(archive), { chunked: true, abortAfter: 1000 })
    await vi.waitFor(() => expect(leftovers()).toEqual([]))
    expect((await server.core.invoke('datasets.list', {})) as { value: unknown[] }).toMatchObject({ value: [expect.anything()] })
  })

  it('refuses a missing token, a wrong kind, a file name with folders and the wrong file type', async () => {
    expect((await put('/upload/dataset?name=a.tar.gz', Buffer.from('x'), { token: null })).status).toBe(401)
    expect((await put('/upload/anything?name=a.tar.gz', Buffer.from('x'))).status).toBe(404)
    const folders = await put(`/upload/dataset?name=${encodeURIComponent('../../a.tar.gz')}`, Buffer.from('x'))
    expect(folders.status).toBe(400)
    const type = await put('/upload/base-model?name=weights.bin', Buffer.from('x'))
    expect(type).toEqual({
      status: 400,
      json: {
        ok: false,
        error: { code: 'invalid_input', message: 'weights.bin: expected a Keras .h5 weights file or a .safetensors state_dict' },
      },
    })
    const notHdf5 = await put('/upload/base-model?name=weights.h5', Buffer.from('not hdf5'))
    expect(notHdf5.status).toBe(422)
    expect(notHdf5.json).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/weights\.h5.*not a readable HDF5 file/) as string },
    })
    expect(leftovers()).toEqual([])
  })
})

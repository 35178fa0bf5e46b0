// Browser mode's file uploads: a dataset archive or a Keras .h5 base streamed to the data directory,
// then imported by the same core call as a local path (so the same validation and errors). The body
// goes to a folder of its own under uploads/ that is removed on any failure (a dropped connection, a
// file over the size limit, an import that refuses it) and after a successful import (the import
// keeps its own copy), so an upload never leaves anything behind but the imported dataset or base.
import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { dirname, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { CallResult } from '@shared/contract'
import type { Core } from '../core/core'

export const UPLOAD_PATH = '/upload/'
/** CIFAR-10's archives are ~170 MB; an image-folder archive or a VGG16 .h5 (~60 MB) fits too. */
export const DEFAULT_MAX_UPLOAD_BYTES = 2 * 1024 ** 3

const KINDS = {
  dataset: { pattern: /\.(tar\.gz|tgz|tar|zip)$/i, what: 'a .tar.gz, .tgz, .tar or .zip archive', method: 'datasets.import' },
  'base-model': {
    pattern: /\.(h5|safetensors)$/i,
    what: 'a Keras .h5 weights file or a .safetensors state_dict',
    method: 'models.import',
  },
} as const
type UploadKind = keyof typeof KINDS

function reply(res: ServerResponse, status: number, result: CallResult<unknown>, headers: Record<string, string>): void {
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(JSON.stringify(result))
}

const refuse = (code: 'invalid_input' | 'failed', message: string): CallResult<never> => ({ ok: false, error: { code, message } })

/** A file name from the client: no folders, no hidden names, only what a browser's file picker gives. */
export function uploadFileName(raw: string | null): string | null {
  if (!raw || raw.length > 200 || /[\\/\0]/.test(raw) || raw.startsWith('.')) return null
  return raw
}

/**
 * PUT /upload/dataset?name=cifar-10-binary.tar.gz[&jobId=…][&label=…] or /upload/base-model?name=x.h5,
 * body = the file. Answers with the core call's result (the DatasetInfo or BaseModelInfo, or its error).
 */
export async function handleUpload(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: { core: Core; dataDir: string; maxBytes: number; headers: Record<string, string> },
): Promise<void> {
  const kind = url.pathname.slice(UPLOAD_PATH.length) as UploadKind
  const spec = KINDS[kind]
  if (!spec) return reply(res, 404, refuse('invalid_input', `no upload of kind "${kind}" (dataset or base-model)`), ctx.headers)
  if (req.method !== 'PUT')
    return reply(res, 405, refuse('invalid_input', 'uploads are PUT requests'), { ...ctx.headers, Allow: 'PUT' })
  const name = uploadFileName(url.searchParams.get('name'))
  if (!name || !spec.pattern.test(name)) {
    req.resume()
    return reply(
      res,
      400,
      refuse('invalid_input', `${url.searchParams.get('name') ?? '(no name)'}: expected ${spec.what}`),
      ctx.headers,
    )
  }
  const declared = Number(req.headers['content-length'] ?? NaN)
  const tooLarge = `${name} is larger than the upload limit of ${ctx.maxBytes} bytes; import it from a path on the workbench machine instead`
  if (Number.isFinite(declared) && declared > ctx.maxBytes) {
    res.setHeader('Connection', 'close')
    return reply(res, 413, refuse('invalid_input', tooLarge), ctx.headers)
  }

  const folder = join(ctx.dataDir, 'uploads', randomUUID())
  const file = join(folder, name)
  let answer: { status: number; result: CallResult<unknown> }
  try {
    answer = await receiveAndImport(req, file, name, kind, url, ctx, tooLarge)
  } finally {
    // Removed before answering, so a client that sees the answer sees nothing left behind.
    await rm(folder, { recursive: true, force: true })
  }
  if (answer.status === 413 || answer.status === 400) res.setHeader('Connection', 'close')
  reply(res, answer.status, answer.result, ctx.headers)
}

async function receiveAndImport(
  req: IncomingMessage,
  file: string,
  name: string,
  kind: UploadKind,
  url: URL,
  ctx: { core: Core; maxBytes: number },
  tooLarge: string,
): Promise<{ status: number; result: CallResult<unknown> }> {
  await mkdir(dirname(file), { recursive: true })
  let received = 0
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length
      done(received > ctx.maxBytes ? new Error(tooLarge) : null, chunk)
    },
  })
  try {
    await pipeline(req, limit, createWriteStream(file))
  } catch (error) {
    if (received > ctx.maxBytes) return { status: 413, result: refuse('invalid_input', tooLarge) }
    return {
      status: 400,
      result: refuse('failed', `the upload of ${name} broke off after ${received} bytes (${(error as Error).message})`),
    }
  }
  const jobId = url.searchParams.get('jobId') ?? undefined
  const label = url.searchParams.get('label') ?? undefined
  const result = await ctx.core.invoke(KINDS[kind].method, { path: file, jobId, ...(label ? { name: label } : {}) })
  // The error names the temporary file; the user knows it by the name they uploaded.
  if (!result.ok) result.error.message = result.error.message.split(file).join(name)
  return { status: result.ok ? 200 : 422, result }
}

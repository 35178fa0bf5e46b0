import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, rename, rm, stat } from 'node:fs/promises'
import { dirname } from 'node:path'
import { ContractError } from '@shared/contract'
import { mapDiskFull } from '../core/disk-full'
import type { ProgressFn } from './errors'

/** The official CIFAR-10 binary release and its published MD5. */
export const CIFAR10_BINARY_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'
export const CIFAR10_BINARY_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530'

export interface DownloadOptions {
  url: string
  md5: string
  /** Final file; written as `<file>.part` and renamed once the MD5 matches. */
  file: string
  signal?: AbortSignal
  onProgress?: ProgressFn
}

export async function md5OfFile(file: string): Promise<string> {
  const hash = createHash('md5')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  )
}

/**
 * Downloads `url` to `file` with progress, cancellation and an MD5 check. A failed, cancelled or
 * mismatching download leaves no partial file, so a retry always starts clean; a file already there
 * with the right MD5 is reused.
 */
export async function downloadFile(opts: DownloadOptions): Promise<string> {
  const progress = opts.onProgress ?? (() => {})
  if ((await exists(opts.file)) && (await md5OfFile(opts.file)) === opts.md5) {
    progress('download', 1, 1, 'already downloaded')
    return opts.file
  }
  const part = `${opts.file}.part`
  await mkdir(dirname(opts.file), { recursive: true })
  await rm(part, { force: true })
  try {
    let response: Response
    try {
      response = await fetch(opts.url, { signal: opts.signal, redirect: 'follow' })
    } catch (error) {
      if (opts.signal?.aborted) throw new ContractError('cancelled', 'download cancelled')
      throw new ContractError(
        'failed',
        `cannot reach ${opts.url}: ${(error as Error & { cause?: Error }).cause?.message ?? (error as Error).message}`,
      )
    }
    if (!response.ok || !response.body)
      throw new ContractError('failed', `${opts.url} answered HTTP ${response.status} ${response.statusText}`.trim())
    const header = Number(response.headers.get('content-length'))
    const total = Number.isFinite(header) && header > 0 ? header : null
    const hash = createHash('md5')
    const out = createWriteStream(part)
    // A write error (a full disk) is kept and thrown from the loop; unheard, it would end the process.
    const write: { error: Error | null } = { error: null }
    out.on('error', (error) => (write.error = error))
    let done = 0
    let lastReport = 0
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        hash.update(chunk)
        done += chunk.length
        if (!out.write(chunk))
          await new Promise<void>((resolve) => {
            out.once('drain', () => resolve())
            out.once('error', () => resolve())
          })
        if (write.error) throw write.error
        // First chunk at once (the user sees it started), then at most ten reports a second.
        const now = Date.now()
        if (lastReport === 0 || now - lastReport >= 100 || done === total) {
          lastReport = now
          progress('download', done, total, `downloading ${opts.url}`)
        }
      }
    } catch (error) {
      if (opts.signal?.aborted) throw new ContractError('cancelled', 'download cancelled')
      throw new ContractError('failed', `download of ${opts.url} broke off after ${done} bytes: ${(error as Error).message}`)
    } finally {
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error || write.error ? reject(error ?? write.error!) : resolve())),
      )
    }
    if (opts.signal?.aborted) throw new ContractError('cancelled', 'download cancelled')
    if (total !== null && done !== total)
      throw new ContractError('failed', `download of ${opts.url} stopped at ${done} of ${total} bytes`)
    const md5 = hash.digest('hex')
    if (md5 !== opts.md5)
      throw new ContractError('failed', `${opts.url}: downloaded file has MD5 ${md5}, expected ${opts.md5}; it was deleted`)
    progress('download', done, total ?? done, 'checked MD5')
    await rename(part, opts.file)
    return opts.file
  } catch (error) {
    await rm(part, { force: true })
    throw mapDiskFull(error, dirname(opts.file))
  }
}

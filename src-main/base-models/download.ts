import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'

/**
 * Stream `url` into `file`, computing its MD5 on the way (Keras pins MD5s for its weight files).
 * Throws on a network error or a non-2xx status; the caller removes the partial file.
 */
export async function downloadFile(
  url: string,
  file: string,
  onProgress: (done: number, total: number | null) => void,
): Promise<{ bytes: number; md5: string }> {
  let response: Response
  try {
    response = await fetch(url)
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause
    throw new Error(cause?.code ?? cause?.message ?? (error as Error).message, { cause: error })
  }
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`.trim())
  const length = Number(response.headers.get('content-length'))
  const total = Number.isFinite(length) && length > 0 ? length : null
  const hash = createHash('md5')
  let bytes = 0
  let lastReport = 0
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      bytes += chunk.length
      const now = Date.now()
      if (now - lastReport > 100) {
        lastReport = now
        onProgress(bytes, total)
      }
      callback(null, chunk)
    },
  })
  await pipeline(Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>), meter, createWriteStream(file))
  onProgress(bytes, total)
  if (total !== null && bytes !== total) throw new Error(`the download stopped after ${bytes} of ${total} bytes`)
  return { bytes, md5: hash.digest('hex') }
}

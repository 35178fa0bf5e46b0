import { createHash } from 'node:crypto'
import { readdir, readFile, stat } from 'node:fs/promises'
import { basename, join, relative, sep } from 'node:path'
import { promisify } from 'node:util'
import { gunzip } from 'node:zlib'
import { Parser, type ReadEntry } from 'tar'
import yauzl from 'yauzl'
import { importFailed, throwIfCancelled, type ProgressFn } from '../errors'

const gunzipAsync = promisify(gunzip)

/** Largest tar a .tar.gz may inflate to: CIFAR-10 in any form is under 200 MB, so more is a bomb or not ours. */
export const MAX_INFLATED_BYTES = 1024 ** 3

/** One file or folder of an import source, with its bytes already in memory. */
export interface SourceEntry {
  /** POSIX path relative to the source root, without a trailing slash. */
  path: string
  isDir: boolean
  data: Buffer
}

export type Container = 'folder' | 'tar' | 'tar.gz' | 'zip'

export interface OpenedSource {
  /** As given by the user. */
  path: string
  container: Container
  entries: SourceEntry[]
  /** sha256 of the archive bytes, or of the sorted paths + contents of a folder. */
  sha256: string
}

function normalise(path: string): string {
  return path
    .replace(/\\/g, '/')
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '')
}

/**
 * Reads a folder, .tar, .tar.gz or .zip completely into memory (CIFAR-10 in any form is < 200 MB),
 * checking the container as it goes so a corrupt archive is refused before anything is decoded.
 */
export async function openSource(
  path: string,
  opts: { signal?: AbortSignal; onProgress?: ProgressFn } = {},
): Promise<OpenedSource> {
  let info
  try {
    info = await stat(path)
  } catch {
    throw importFailed(path, 'no such file or folder')
  }
  if (info.isDirectory()) return openFolder(path, opts)
  const name = basename(path)
  opts.onProgress?.('read', 0, info.size, `reading ${name}`)
  const bytes = await readFile(path)
  throwIfCancelled(opts.signal)
  opts.onProgress?.('read', bytes.length, info.size, `reading ${name}`)
  const sha256 = createHash('sha256').update(bytes).digest('hex')
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    let tarBytes: Buffer
    try {
      tarBytes = await gunzipAsync(bytes, { maxOutputLength: MAX_INFLATED_BYTES })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw importFailed(
          path,
          `the gzip data inflates to more than ${MAX_INFLATED_BYTES / 1024 ** 3} GiB, far more than any CIFAR-10 archive; refused`,
        )
      }
      throw importFailed(path, `corrupt gzip data (${(error as Error).message})`)
    }
    throwIfCancelled(opts.signal)
    if (!looksLikeTar(tarBytes)) throw importFailed(path, 'the gzip data is not a tar archive')
    return { path, container: 'tar.gz', entries: await parseTar(tarBytes, path), sha256 }
  }
  if (looksLikeTar(bytes)) return { path, container: 'tar', entries: await parseTar(bytes, path), sha256 }
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x04034b50)
    return { path, container: 'zip', entries: await parseZip(bytes, path), sha256 }
  if (bytes.length >= 4 && bytes.readUInt32LE(0) === 0x06054b50) throw importFailed(path, 'the zip archive is empty')
  throw importFailed(path, unrecognisedContent(name))
}

/** Says what the name promised and that the content is not it, so a damaged download is recognisable. */
function unrecognisedContent(name: string): string {
  const lower = name.toLowerCase()
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz') || lower.endsWith('.gz'))
    return 'not gzip data (the file is damaged or not really a .tar.gz archive)'
  if (lower.endsWith('.zip')) return 'not a zip archive (the file is damaged or not really a .zip)'
  if (lower.endsWith('.tar')) return 'not a tar archive (the file is damaged or not really a .tar)'
  return 'not a folder, .tar, .tar.gz or .zip archive'
}

function looksLikeTar(bytes: Buffer): boolean {
  return bytes.length >= 512 && bytes.toString('latin1', 257, 262) === 'ustar'
}

async function parseTar(bytes: Buffer, file: string): Promise<SourceEntry[]> {
  // A tar is a whole number of 512-byte blocks; anything else was cut short.
  if (bytes.length % 512 !== 0)
    throw importFailed(file, `truncated tar archive (${bytes.length} bytes is not a whole number of 512-byte blocks)`)
  const entries: SourceEntry[] = []
  let pending = 0
  await new Promise<void>((resolve, reject) => {
    const fail = (problem: string) => reject(importFailed(file, `corrupt tar archive (${problem})`))
    const parser = new Parser({
      strict: true,
      onReadEntry: (entry: ReadEntry) => {
        const path = normalise(entry.path)
        const isDir = entry.type === 'Directory'
        if (entry.type !== 'File' && entry.type !== 'OldFile' && !isDir) {
          entry.resume()
          return
        }
        const chunks: Buffer[] = []
        let got = 0
        pending++
        entry.on('data', (chunk: Buffer) => {
          chunks.push(chunk)
          got += chunk.length
        })
        entry.on('end', () => {
          pending--
          if (!isDir && got !== entry.size) return fail(`${path}: ${got} of ${entry.size} bytes present`)
          // One chunk is a view into the tar bytes: keep it rather than copy (halves peak memory).
          if (path)
            entries.push({
              path,
              isDir,
              data: isDir ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, got),
            })
        })
      },
    })
    parser.on('error', (error: Error) => fail(error.message))
    parser.on('warn', (_code: string, message: string | Error) => fail(typeof message === 'string' ? message : message.message))
    parser.on('end', () => {
      if (pending > 0) fail('the last entry is cut short')
      else resolve()
    })
    parser.end(bytes)
  })
  return entries
}

async function parseZip(bytes: Buffer, file: string): Promise<SourceEntry[]> {
  const open = promisify<Buffer, yauzl.Options, yauzl.ZipFile>(yauzl.fromBuffer)
  let zip: yauzl.ZipFile
  try {
    zip = await open(bytes, { lazyEntries: true, validateEntrySizes: true, strictFileNames: false, decodeStrings: true })
  } catch (error) {
    throw importFailed(file, `corrupt zip archive (${(error as Error).message})`)
  }
  const entries: SourceEntry[] = []
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => {
      zip.close()
      reject(importFailed(file, `corrupt zip archive (${error.message})`))
    }
    zip.on('error', fail)
    zip.on('end', () => resolve())
    zip.on('entry', (entry: yauzl.Entry) => {
      const path = normalise(entry.fileName)
      if (entry.fileName.endsWith('/')) {
        if (path) entries.push({ path, isDir: true, data: Buffer.alloc(0) })
        zip.readEntry()
        return
      }
      zip.openReadStream(entry, (error, stream) => {
        if (error) return fail(error)
        const chunks: Buffer[] = []
        stream.on('data', (chunk: Buffer) => chunks.push(chunk))
        stream.on('error', fail)
        stream.on('end', () => {
          entries.push({ path, isDir: false, data: Buffer.concat(chunks) })
          zip.readEntry()
        })
      })
    })
    zip.readEntry()
  })
  return entries
}

async function openFolder(root: string, opts: { signal?: AbortSignal; onProgress?: ProgressFn }): Promise<OpenedSource> {
  const files: string[] = []
  const dirs: string[] = []
  const walk = async (dir: string): Promise<void> => {
    for (const d of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, d.name)
      if (d.isDirectory()) {
        dirs.push(full)
        await walk(full)
      } else if (d.isFile()) files.push(full)
    }
  }
  await walk(root)
  const rel = (p: string) => relative(root, p).split(sep).join('/')
  files.sort((a, b) => (rel(a) < rel(b) ? -1 : rel(a) > rel(b) ? 1 : 0))
  const hash = createHash('sha256')
  const entries: SourceEntry[] = dirs.map((d) => ({ path: rel(d), isDir: true, data: Buffer.alloc(0) }))
  let done = 0
  for (const file of files) {
    if (done % 1000 === 0) {
      throwIfCancelled(opts.signal)
      opts.onProgress?.('read', done, files.length, `reading ${basename(root)}`)
    }
    const data = await readFile(file)
    const path = rel(file)
    hash.update(`${path}\0${data.length}\0`).update(data)
    entries.push({ path, isDir: false, data })
    done++
  }
  opts.onProgress?.('read', files.length, files.length, `reading ${basename(root)}`)
  return { path: root, container: 'folder', entries, sha256: hash.digest('hex') }
}

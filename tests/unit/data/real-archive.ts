import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { Parser, type ReadEntry } from 'tar'

/** One file out of a .tar.gz, read independently of the importer under test. */
export async function openArchiveEntry(file: string, path: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  const parser = new Parser({
    filter: (p: string) => p === path,
    onReadEntry: (entry: ReadEntry) => {
      entry.on('data', (c: Buffer) => chunks.push(c))
    },
  })
  await new Promise<void>((resolve, reject) => {
    parser.on('end', () => resolve())
    parser.on('error', reject)
    parser.end(gunzipSync(readFileSync(file)))
  })
  if (chunks.length === 0) throw new Error(`${path} is not in ${file}`)
  return Buffer.concat(chunks)
}

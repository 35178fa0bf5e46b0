import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'

/** Hash files in order as one stream (a tfjs folder's model.json then its shards). */
export async function hashFiles(files: string[], algorithm: 'sha256' | 'md5' = 'sha256'): Promise<string> {
  const hash = createHash(algorithm)
  for (const file of files) {
    await new Promise<void>((resolve, reject) => {
      createReadStream(file)
        .on('data', (chunk) => hash.update(chunk))
        .on('end', resolve)
        .on('error', reject)
    })
  }
  return hash.digest('hex')
}

/** A registry id from a file or folder name: lower case, [a-z0-9.-]. */
export function slugify(name: string): string {
  const slug = name
    .toLowerCase()
    .replace(/\.(weights\.)?h5$/, '')
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
  return slug.slice(0, 80) || 'model'
}

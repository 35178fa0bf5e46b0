// Archives no honest tool writes: entries that climb out with ../ or start at /, symlinks to system
// files, and decompression bombs. The importers read archives into memory and must refuse or ignore
// such entries without writing anything anywhere.
import { gzipSync } from 'node:zlib'

export interface TarEntry {
  name: string
  type?: 'file' | 'dir' | 'symlink' | 'hardlink'
  data?: Buffer
  linkname?: string
  /** Declared size, when it should lie about the data. */
  size?: number
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0'
}

/** A ustar archive written byte by byte, so every field can be what an attacker wants. */
export function tarBytes(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = []
  for (const entry of entries) {
    const data = entry.data ?? Buffer.alloc(0)
    const header = Buffer.alloc(512)
    header.write(entry.name.slice(0, 100), 0, 'latin1')
    header.write(octal(0o644, 8), 100, 'latin1')
    header.write(octal(0, 8), 108, 'latin1')
    header.write(octal(0, 8), 116, 'latin1')
    header.write(octal(entry.size ?? (entry.type === 'file' || !entry.type ? data.length : 0), 12), 124, 'latin1')
    header.write(octal(1_577_836_800, 12), 136, 'latin1')
    header.write({ file: '0', dir: '5', symlink: '2', hardlink: '1' }[entry.type ?? 'file'], 156, 'latin1')
    if (entry.linkname) header.write(entry.linkname.slice(0, 100), 157, 'latin1')
    header.write('ustar\u000000', 257, 'latin1')
    header.fill(' ', 148, 156)
    let sum = 0
    for (const byte of header) sum += byte
    header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1')
    blocks.push(header)
    if (data.length > 0) blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
  }
  blocks.push(Buffer.alloc(1024))
  return Buffer.concat(blocks)
}

/** A gzip file that inflates to about `gib` GiB of zeros: one small member repeated (gzip allows many). */
export function gzipBomb(gib: number): Buffer {
  const member = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 })
  return Buffer.concat(Array.from({ length: Math.ceil(gib * 16) }, () => member))
}

/** The escape attempts every archive importer is given, named for the report. */
export function hostileTars(outsideFile: string, image: Buffer): Array<{ name: string; bytes: Buffer }> {
  const cls = (c: string, i: number) => `train/${c}/${i}.png`
  const valid: TarEntry[] = ['cat', 'dog'].flatMap((c) => [0, 1, 2].map((i) => ({ name: cls(c, i), data: image })))
  return [
    {
      name: 'tar entry climbing out with ../',
      bytes: tarBytes([...valid, { name: `../../../../${outsideFile}`, data: Buffer.from('escaped') }]),
    },
    { name: 'tar entry with an absolute path', bytes: tarBytes([...valid, { name: outsideFile, data: Buffer.from('escaped') }]) },
    {
      name: 'tar symlink to /etc/passwd',
      bytes: tarBytes([...valid, { name: 'train/cat/link.png', type: 'symlink', linkname: '/etc/passwd' }]),
    },
    {
      name: 'tar symlink then a write through it',
      bytes: tarBytes([
        { name: 'train/evil', type: 'symlink', linkname: '/tmp' },
        { name: 'train/evil/escaped.png', data: image },
        ...valid,
      ]),
    },
    {
      name: 'tar hard link to /etc/passwd',
      bytes: tarBytes([...valid, { name: 'train/cat/hard.png', type: 'hardlink', linkname: '/etc/passwd' }]),
    },
    {
      name: 'tar entry declaring 8 GB',
      bytes: tarBytes([...valid, { name: 'train/cat/huge.png', data: image, size: 8 * 1024 ** 3 }]),
    },
  ]
}

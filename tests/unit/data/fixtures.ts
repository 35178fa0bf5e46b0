import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { crc32, deflateRawSync } from 'node:zlib'
import { PNG } from 'pngjs'
import { create as createTar } from 'tar'

export const PLANE = 1024
export const PIXELS = 3072

export function tempDir(prefix = 'cwb-data-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

/** The known value of image i, pixel p (row-major in 32×32), channel ch: every split/offset differs. */
export function pixel(base: number, i: number, p: number, ch: number): number {
  return (base * 31 + i * 7 + p * 3 + ch * 101) % 256
}

export function labelOf(base: number, i: number): number {
  return (base + i) % 10
}

/** Expected NHWC of n images with the given base. */
export function expectedNhwc(base: number, n: number): Uint8Array {
  const out = new Uint8Array(n * PIXELS)
  for (let i = 0; i < n; i++)
    for (let p = 0; p < PLANE; p++) for (let ch = 0; ch < 3; ch++) out[i * PIXELS + p * 3 + ch] = pixel(base, i, p, ch)
  return out
}

/** Row i in the CIFAR layout: R plane, G plane, B plane. */
export function planarRow(base: number, i: number): Uint8Array {
  const row = new Uint8Array(PIXELS)
  for (let ch = 0; ch < 3; ch++) for (let p = 0; p < PLANE; p++) row[ch * PLANE + p] = pixel(base, i, p, ch)
  return row
}

export function binaryBatch(base: number, n: number, label = labelOf): Buffer {
  const out = Buffer.alloc(n * (PIXELS + 1))
  for (let i = 0; i < n; i++) {
    out[i * (PIXELS + 1)] = label(base, i)
    out.set(planarRow(base, i), i * (PIXELS + 1) + 1)
  }
  return out
}

export const CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck']

/** Writes `cifar-10-batches-bin/` with 5 train batches of `n` records and a test batch; returns that folder. */
export function writeCifarBinary(
  root: string,
  n: number,
  edit: (name: string, bytes: Buffer) => Buffer | null = (_, b) => b,
): string {
  const dir = join(root, 'cifar-10-batches-bin')
  mkdirSync(dir, { recursive: true })
  const files: Array<[string, Buffer]> = [
    ...[1, 2, 3, 4, 5].map((b): [string, Buffer] => [`data_batch_${b}.bin`, binaryBatch(b, n)]),
    ['test_batch.bin', binaryBatch(0, n)],
    ['batches.meta.txt', Buffer.from(`${CLASS_NAMES.join('\n')}\n\n`)],
  ]
  for (const [name, bytes] of files) {
    const edited = edit(name, bytes)
    if (edited) writeFileSync(join(dir, name), edited)
  }
  return dir
}

// ---------------------------------------------------------------- python pickles (as Python 2 cPickle, protocol 2)

function shortString(text: string | Buffer): Buffer {
  const b = typeof text === 'string' ? Buffer.from(text, 'latin1') : text
  if (b.length < 256) return Buffer.concat([Buffer.from([0x55, b.length]), b])
  const head = Buffer.alloc(5)
  head[0] = 0x54
  head.writeUInt32LE(b.length, 1)
  return Buffer.concat([head, b])
}

function int(v: number): Buffer {
  if (v >= 0 && v < 256) return Buffer.from([0x4b, v])
  if (v >= 0 && v < 65536) {
    const b = Buffer.from([0x4d, 0, 0])
    b.writeUInt16LE(v, 1)
    return b
  }
  const b = Buffer.alloc(5)
  b[0] = 0x4a
  b.writeInt32LE(v, 1)
  return b
}

/** numpy.core.multiarray._reconstruct(ndarray, (0,), 'b') + BUILD state, as numpy pickles a C-order uint8 array. */
function ndarray(rows: number, cols: number, raw: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from('cnumpy.core.multiarray\n_reconstruct\nq\x01cnumpy\nndarray\nq\x02', 'latin1'),
    int(0),
    Buffer.from([0x85]),
    shortString('b'),
    Buffer.from([0x87, 0x52, 0x28]), // TUPLE3 REDUCE MARK
    int(1),
    int(rows),
    int(cols),
    Buffer.from([0x86]),
    Buffer.from('cnumpy\ndtype\n', 'latin1'),
    shortString('u1'),
    int(0),
    int(1),
    Buffer.from([0x87, 0x52, 0x28]),
    int(3),
    shortString('|'),
    Buffer.from('NNN', 'latin1'),
    int(-1),
    int(-1),
    int(0),
    Buffer.from([0x74, 0x62]), // TUPLE BUILD (dtype state)
    Buffer.from([0x89]), // False: C order
    shortString(raw),
    Buffer.from([0x74, 0x62]), // TUPLE BUILD (array state)
  ])
}

function list(items: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([0x5d, 0x28]), ...items, Buffer.from([0x65])])
}

export function pythonBatch(
  base: number,
  n: number,
  opts: { label?: (b: number, i: number) => number; rows?: number; dataBytes?: number } = {},
): Buffer {
  const label = opts.label ?? labelOf
  let raw = Buffer.concat(Array.from({ length: n }, (_, i) => planarRow(base, i)))
  if (opts.dataBytes !== undefined)
    raw = Buffer.concat([raw, Buffer.alloc(Math.max(0, opts.dataBytes - raw.length))]).subarray(0, opts.dataBytes)
  return Buffer.concat([
    Buffer.from([0x80, 0x02, 0x7d, 0x71, 0x00, 0x28]),
    shortString('batch_label'),
    shortString(`batch ${base}`),
    shortString('labels'),
    list(Array.from({ length: n }, (_, i) => int(label(base, i)))),
    shortString('data'),
    ndarray(opts.rows ?? n, PIXELS, raw),
    shortString('filenames'),
    list(Array.from({ length: n }, (_, i) => shortString(`img_${i}.png`))),
    Buffer.from([0x75, 0x2e]), // SETITEMS STOP
  ])
}

export function pythonMeta(): Buffer {
  return Buffer.concat([
    Buffer.from([0x80, 0x02, 0x7d, 0x28]),
    shortString('num_cases_per_batch'),
    int(10000),
    shortString('label_names'),
    list(CLASS_NAMES.map((c) => shortString(c))),
    shortString('num_vis'),
    int(3072),
    Buffer.from([0x75, 0x2e]),
  ])
}

export function writeCifarPython(
  root: string,
  n: number,
  edit: (name: string, bytes: Buffer) => Buffer | null = (_, b) => b,
): string {
  const dir = join(root, 'cifar-10-batches-py')
  mkdirSync(dir, { recursive: true })
  const files: Array<[string, Buffer]> = [
    ...[1, 2, 3, 4, 5].map((b): [string, Buffer] => [`data_batch_${b}`, pythonBatch(b, n)]),
    ['test_batch', pythonBatch(0, n)],
    ['batches.meta', pythonMeta()],
  ]
  for (const [name, bytes] of files) {
    const edited = edit(name, bytes)
    if (edited) writeFileSync(join(dir, name), edited)
  }
  return dir
}

// ---------------------------------------------------------------- archives and images

export async function tarOf(cwd: string, entry: string, file: string, gzip: boolean): Promise<string> {
  await createTar({ cwd, file, gzip, portable: true }, [entry])
  return file
}

/** A minimal zip writer (deflate, with folder entries): the test must not trust the reader it tests. */
export function zipOf(files: Array<{ path: string; data?: Buffer }>, file: string): string {
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  for (const f of files) {
    const name = Buffer.from(f.path)
    const isDir = f.data === undefined
    const data = f.data ?? Buffer.alloc(0)
    const packed = isDir ? data : deflateRawSync(data)
    const crc = crc32(data)
    const local = Buffer.alloc(30)
    local.writeUInt32LE(0x04034b50, 0)
    local.writeUInt16LE(20, 4)
    local.writeUInt16LE(isDir ? 0 : 8, 8)
    local.writeUInt32LE(crc, 14)
    local.writeUInt32LE(packed.length, 18)
    local.writeUInt32LE(data.length, 22)
    local.writeUInt16LE(name.length, 26)
    const central = Buffer.alloc(46)
    central.writeUInt32LE(0x02014b50, 0)
    central.writeUInt16LE(20, 4)
    central.writeUInt16LE(20, 6)
    central.writeUInt16LE(isDir ? 0 : 8, 10)
    central.writeUInt32LE(crc, 16)
    central.writeUInt32LE(packed.length, 20)
    central.writeUInt32LE(data.length, 24)
    central.writeUInt16LE(name.length, 28)
    central.writeUInt32LE(offset, 42)
    locals.push(local, name, packed)
    centrals.push(central, name)
    offset += local.length + name.length + packed.length
  }
  const cd = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(0x06054b50, 0)
  end.writeUInt16LE(files.length, 8)
  end.writeUInt16LE(files.length, 10)
  end.writeUInt32LE(cd.length, 12)
  end.writeUInt32LE(offset, 16)
  writeFileSync(file, Buffer.concat([...locals, cd, end]))
  return file
}

/** A PNG whose RGB pixel (r, c) is f(r, c). */
export function pngOf(size: number, f: (r: number, c: number) => [number, number, number]): Buffer {
  const png = new PNG({ width: size, height: size })
  for (let r = 0; r < size; r++)
    for (let c = 0; c < size; c++) {
      const o = (r * size + c) * 4
      const [R, G, B] = f(r, c)
      png.data[o] = R
      png.data[o + 1] = G
      png.data[o + 2] = B
      png.data[o + 3] = 255
    }
  return PNG.sync.write(png)
}

export function writeFiles(root: string, files: Record<string, Buffer | null>): void {
  for (const [path, data] of Object.entries(files)) {
    const full = join(root, path)
    if (data === null) {
      mkdirSync(full, { recursive: true })
      continue
    }
    mkdirSync(dirname(full), { recursive: true })
    writeFileSync(full, data)
  }
}

/** BINUNICODE (Python 3 str). */
function unicode(text: string): Buffer {
  const b = Buffer.from(text, 'utf8')
  const head = Buffer.alloc(5)
  head[0] = 0x58
  head.writeUInt32LE(b.length, 1)
  return Buffer.concat([head, b])
}

/**
 * A batch as Python 3 + numpy 2 write it with protocol 2: str keys, numpy._core, NEWFALSE/NEWTRUE in
 * the dtype call and bytes as _codecs.encode(text, 'latin1').
 */
export function pythonBatchPy3(base: number, n: number): Buffer {
  const raw = Buffer.concat(Array.from({ length: n }, (_, i) => planarRow(base, i)))
  const encode = (b: Buffer) =>
    Buffer.concat([
      Buffer.from('c_codecs\nencode\n', 'latin1'),
      unicode(b.toString('latin1')),
      unicode('latin1'),
      Buffer.from([0x86, 0x52]),
    ])
  return Buffer.concat([
    Buffer.from([0x80, 0x02, 0x7d, 0x28]),
    unicode('labels'),
    list(Array.from({ length: n }, (_, i) => int(labelOf(base, i)))),
    unicode('data'),
    Buffer.from('cnumpy._core.multiarray\n_reconstruct\ncnumpy\nndarray\n', 'latin1'),
    int(0),
    Buffer.from([0x85]),
    encode(Buffer.from('b')),
    Buffer.from([0x87, 0x52, 0x28]),
    int(1),
    int(n),
    int(PIXELS),
    Buffer.from([0x86]),
    Buffer.from('cnumpy\ndtype\n', 'latin1'),
    unicode('u1'),
    Buffer.from([0x89, 0x88, 0x87, 0x52, 0x28]),
    int(3),
    unicode('|'),
    Buffer.from('NNN', 'latin1'),
    int(-1),
    int(-1),
    int(0),
    Buffer.from([0x74, 0x62, 0x89]),
    encode(raw),
    Buffer.from([0x74, 0x62, 0x75, 0x2e]),
  ])
}

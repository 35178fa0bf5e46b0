import { readFile } from 'node:fs/promises'

/**
 * A reader for the safetensors format (huggingface/safetensors): an 8-byte little-endian header
 * length N, N bytes of JSON `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?: {…}}`,
 * then the tensors' bytes, little-endian, offsets relative to the end of the header. Everything the
 * header claims is checked against the file before a tensor is read.
 */

const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
} as const
export type SafetensorsDtype = keyof typeof DTYPE_BYTES

const FLOAT_DTYPES = new Set<SafetensorsDtype>(['F64', 'F32', 'F16', 'BF16'])

/** The format's own limit on the header (100 MB); a larger claim is a damaged or foreign file. */
const MAX_HEADER_BYTES = 100_000_000

export interface TensorEntry {
  name: string
  dtype: SafetensorsDtype
  shape: number[]
  /** Byte range inside the data section. */
  begin: number
  end: number
}

export interface SafetensorsFile {
  file: string
  tensors: Map<string, TensorEntry>
  metadata: Record<string, string>
  /** The tensor's values as float32 (float dtypes only), or an error naming the tensor. */
  float32(name: string): Float32Array
}

const isDtype = (v: unknown): v is SafetensorsDtype => typeof v === 'string' && Object.hasOwn(DTYPE_BYTES, v)
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1
  const exponent = (h >> 10) & 0x1f
  const fraction = h & 0x3ff
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024)
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024)
}

function toFloat32(bytes: Buffer, dtype: SafetensorsDtype, count: number): Float32Array {
  const out = new Float32Array(count)
  switch (dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = bytes.readFloatLE(i * 4)
      return out
    case 'F64':
      for (let i = 0; i < count; i++) out[i] = bytes.readDoubleLE(i * 8)
      return out
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(bytes.readUInt16LE(i * 2))
      return out
    case 'BF16': {
      // bfloat16 is the top half of a float32.
      const bits = new Uint32Array(out.buffer)
      for (let i = 0; i < count; i++) bits[i] = bytes.readUInt16LE(i * 2) << 16
      return out
    }
    default:
      throw new Error(`dtype ${dtype} is not a float type`)
  }
}

/** Parse and check a safetensors header; `fileSize` is the whole file's length. */
function parseSafetensorsHeader(
  head: Buffer,
  fileSize: number,
  file: string,
): { tensors: Map<string, TensorEntry>; metadata: Record<string, string>; dataStart: number } {
  if (fileSize < 8 || head.length < 8) throw new Error(`${file}: not a safetensors file (shorter than its 8-byte header length)`)
  const claimed = head.readBigUInt64LE(0)
  if (claimed > BigInt(Math.min(MAX_HEADER_BYTES, fileSize - 8))) {
    throw new Error(
      `${file}: not a safetensors file (header length ${claimed} exceeds the file's ${fileSize - 8} remaining bytes)`,
    )
  }
  const headerBytes = Number(claimed)
  if (head.length < 8 + headerBytes) throw new Error(`${file}: safetensors header is truncated`)
  let json: unknown
  try {
    json = JSON.parse(head.subarray(8, 8 + headerBytes).toString('utf8'))
  } catch (error) {
    throw new Error(`${file}: safetensors header is not valid JSON (${(error as Error).message})`, { cause: error })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new Error(`${file}: safetensors header is not a JSON object`)
  }
  const dataStart = 8 + headerBytes
  const dataBytes = fileSize - dataStart
  const tensors = new Map<string, TensorEntry>()
  let metadata: Record<string, string> = {}
  for (const [name, raw] of Object.entries(json as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof raw !== 'object' || raw === null || Object.values(raw).some((v) => typeof v !== 'string')) {
        throw new Error(`${file}: safetensors __metadata__ must map names to strings`)
      }
      metadata = raw as Record<string, string>
      continue
    }
    const entry = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown } | null
    if (typeof entry !== 'object' || entry === null) throw new Error(`${file}: tensor "${name}": entry is not an object`)
    if (!isDtype(entry.dtype)) throw new Error(`${file}: tensor "${name}": unknown dtype ${JSON.stringify(entry.dtype)}`)
    if (!Array.isArray(entry.shape) || !entry.shape.every(isCount)) {
      throw new Error(`${file}: tensor "${name}": shape ${JSON.stringify(entry.shape)} is not a list of non-negative integers`)
    }
    const offsets = entry.data_offsets
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
      throw new Error(`${file}: tensor "${name}": data_offsets ${JSON.stringify(offsets)} is not [begin, end]`)
    }
    const [begin, end] = offsets as [number, number]
    if (begin > end || end > dataBytes) {
      throw new Error(`${file}: tensor "${name}": data_offsets [${begin}, ${end}] lie outside the ${dataBytes} data bytes`)
    }
    const shape = entry.shape
    const elements = shape.reduce((a, b) => a * b, 1)
    if (elements * DTYPE_BYTES[entry.dtype] !== end - begin) {
      throw new Error(
        `${file}: tensor "${name}": shape [${shape.join(', ')}] of ${entry.dtype} needs ${elements * DTYPE_BYTES[entry.dtype]} bytes but data_offsets give ${end - begin}`,
      )
    }
    tensors.set(name, { name, dtype: entry.dtype, shape, begin, end })
  }
  // The format forbids overlapping tensors; an overlap means a damaged or crafted header.
  const sorted = [...tensors.values()].sort((a, b) => a.begin - b.begin)
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.begin < sorted[i - 1]!.end) {
      throw new Error(`${file}: tensors "${sorted[i - 1]!.name}" and "${sorted[i]!.name}" overlap in the data section`)
    }
  }
  return { tensors, metadata, dataStart }
}

/** Read a .safetensors file (the whole file is kept in memory: bases are tens of MB). */
export async function readSafetensors(file: string): Promise<SafetensorsFile> {
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (error) {
    throw new Error(`${file}: cannot open (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, {
      cause: error,
    })
  }
  const { tensors, metadata, dataStart } = parseSafetensorsHeader(bytes, bytes.length, file)
  return {
    file,
    tensors,
    metadata,
    float32(name) {
      const entry = tensors.get(name)
      if (!entry) throw new Error(`${file}: tensor "${name}" is missing`)
      if (!FLOAT_DTYPES.has(entry.dtype)) {
        throw new Error(`${file}: tensor "${name}" has dtype ${entry.dtype}, expected a float type`)
      }
      const count = entry.shape.reduce((a, b) => a * b, 1)
      return toFloat32(bytes.subarray(dataStart + entry.begin, dataStart + entry.end), entry.dtype, count)
    },
  }
}

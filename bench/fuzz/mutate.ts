// Seeded mutations of valid input files: the kinds of damage a download, a disk or a hostile archive
// brings. Every operator is deterministic given the generator, so a failing case can be replayed.

export type Rng = () => number

/** mulberry32: small, fast, and the same sequence on every machine. */
export function seededRng(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const int = (rng: Rng, n: number) => Math.floor(rng() * n)

export interface Mutation {
  name: string
  apply(bytes: Buffer, rng: Rng): Buffer
}

/** Byte-level damage that applies to any file. */
export const BYTE_MUTATIONS: Mutation[] = [
  {
    name: 'bit flips',
    apply(bytes, rng) {
      const out = Buffer.from(bytes)
      const flips = 1 + int(rng, 8)
      for (let i = 0; i < flips && out.length > 0; i++) out[int(rng, out.length)]! ^= 1 << int(rng, 8)
      return out
    },
  },
  {
    name: 'truncation',
    apply: (bytes, rng) => bytes.subarray(0, int(rng, bytes.length)),
  },
  {
    name: 'header truncation',
    apply: (bytes, rng) => bytes.subarray(0, Math.min(bytes.length, int(rng, 1024))),
  },
  {
    name: 'absurd size field',
    // Lengths and counts in headers are 32-bit words: overwrite one with a huge or negative value.
    apply(bytes, rng) {
      const out = Buffer.from(bytes)
      if (out.length < 8) return out
      const at = int(rng, Math.min(out.length - 4, 4096))
      out.writeUInt32LE([0xffffffff, 0x7fffffff, 0x80000000, 0x10000000][int(rng, 4)]!, at)
      return out
    },
  },
  {
    name: 'zeroed block',
    apply(bytes, rng) {
      const out = Buffer.from(bytes)
      const at = int(rng, Math.max(1, out.length))
      out.fill(0, at, Math.min(out.length, at + 1 + int(rng, 4096)))
      return out
    },
  },
  {
    name: 'inserted garbage',
    apply(bytes, rng) {
      const at = int(rng, bytes.length + 1)
      const junk = Buffer.from(Array.from({ length: 1 + int(rng, 256) }, () => int(rng, 256)))
      return Buffer.concat([bytes.subarray(0, at), junk, bytes.subarray(at)])
    },
  },
  {
    name: 'duplicated tail',
    apply: (bytes, rng) => Buffer.concat([bytes, bytes.subarray(int(rng, bytes.length))]),
  },
  { name: 'empty file', apply: () => Buffer.alloc(0) },
]

/** Structure-aware damage of JSON text: values of the wrong type, absurd numbers, hostile keys. */
export function mutateJson(text: string, rng: Rng): string {
  let doc: unknown
  try {
    doc = JSON.parse(text)
  } catch {
    return text
  }
  const hostile: unknown[] = [null, -1, 1e308, 'x'.repeat(10_000), [], {}, '../../etc/passwd', true, 2 ** 31, [1e9, 1e9, 1e9]]
  const paths: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = []
  const walk = (node: unknown, depth: number) => {
    if (depth > 12 || node === null || typeof node !== 'object') return
    for (const [key, value] of Object.entries(node)) {
      paths.push({ parent: node as Record<string, unknown>, key: Array.isArray(node) ? Number(key) : key })
      walk(value, depth + 1)
    }
  }
  walk(doc, 0)
  const edits = 1 + int(rng, 3)
  for (let i = 0; i < edits && paths.length > 0; i++) {
    const { parent, key } = paths[int(rng, paths.length)]!
    const choice = int(rng, 4)
    if (choice === 0 && !Array.isArray(parent)) delete parent[key as string]
    else (parent as Record<string | number, unknown>)[key] = hostile[int(rng, hostile.length)]
  }
  let out = JSON.stringify(doc)
  if (int(rng, 4) === 0) out = out.replace(/^\{/, '{"__proto__": {"polluted": "yes"}, ')
  return out
}

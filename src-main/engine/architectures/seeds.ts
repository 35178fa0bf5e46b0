/**
 * Per-layer seeds derived from one run seed, so the same seed gives bit-identical initial weights and
 * no two layers share a random stream (tfjs initialisers restart their stream for every seed).
 */
export function deriveSeed(seed: number, layerName: string): number {
  // FNV-1a over the layer name, mixed with the run seed; kept in the positive 31-bit range.
  let hash = 0x811c9dc5 ^ (seed >>> 0)
  for (let i = 0; i < layerName.length; i++) {
    hash ^= layerName.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 15
  hash = Math.imul(hash, 0x2c1b3c6d)
  hash ^= hash >>> 12
  return (hash >>> 0) % 0x7fffffff
}

import { Rng } from '../../data/rng'

/**
 * A per-epoch seed derived from the run seed, so epoch k shuffles the same way on every resume (the
 * checkpoint needs no generator state: it is rebuilt from the seed and the epoch).
 */
export function epochSeed(seed: number, epoch: number, salt = 0): number {
  let h = (seed ^ 0x9e3779b9) >>> 0
  h = Math.imul(h ^ (epoch + 1), 0x85ebca6b) >>> 0
  h = Math.imul(h ^ (h >>> 13) ^ salt, 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

/** A shuffled copy of the indices, seeded for this epoch. */
export function shuffledOrder(indices: Int32Array, seed: number, epoch: number): Int32Array {
  return new Rng(epochSeed(seed, epoch)).shuffle(Int32Array.from(indices))
}

/**
 * A small seeded PRNG (mulberry32) whose whole state is one uint32, so it can be written into a
 * checkpoint and a resumed run shuffles exactly as the uninterrupted one would have.
 */
export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** Fisher–Yates, in place. */
  shuffle<T extends { length: number; [i: number]: number }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      const tmp = array[i]!
      array[i] = array[j]!
      array[j] = tmp
    }
    return array
  }

  getState(): number {
    return this.state
  }
}

/** A per-epoch seed derived from the run seed, so epoch k shuffles the same way on every resume. */
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

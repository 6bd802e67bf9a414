/**
 * A small seeded pseudo-random generator (mulberry32). The benchmark needs the
 * same topology and payloads for the same seed in every implementation and on
 * every machine; `Math.random` cannot give that.
 */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [0, bound); `bound` must be a positive integer. */
  int(bound: number): number;
}

/** Creates a generator whose sequence depends only on `seed` (taken modulo 2^32). */
export function seededRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int(bound: number): number {
      if (!Number.isInteger(bound) || bound <= 0) {
        throw new RangeError(`rng bound must be a positive integer, got ${bound}`);
      }
      return Math.floor(next() * bound);
    },
  };
}

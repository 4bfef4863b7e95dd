/**
 * Seeded randomness. Every random choice in kvlab flows from an `Rng` built here, so the same seed
 * gives the same run. Pure code takes an `Rng` as an argument and never calls `Math.random`.
 */
import seedrandom from 'seedrandom';

export interface Rng {
  /** Uniform float in [0, 1). Callable unbound (hot loops hold it in a local: core/lorem.ts). */
  next(): number;
  /** Uniform integer in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T;
  /** A new independent stream derived from this seed and a label (stable across runs). */
  fork(label: string | number): Rng;
}

/** Build a seeded generator (alea: fast, good enough for workloads and sampling). */
export function createRng(seed: number | string): Rng {
  const base = String(seed);
  const prng = seedrandom.alea(base);
  const rng: Rng = {
    next: () => prng(),
    int: (lo, hi) => lo + Math.floor(prng() * (hi - lo + 1)),
    uniform: (lo, hi) => lo + prng() * (hi - lo),
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty array');
      return items[Math.floor(prng() * items.length)];
    },
    fork: (label) => createRng(`${base}/${label}`),
  };
  return rng;
}

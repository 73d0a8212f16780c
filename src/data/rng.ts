/**
 * Small, well-known seeded PRNGs for data shuffling.
 *
 * Why not Math.random: a run must be reproducible from its seed (a user compares epochs, the LR
 * finder restores RNG state), and the same seed must give the same order in Node and browsers.
 * mulberry32 (Tommy Ettinger's 32-bit generator) is tiny, fast and good enough for permutations.
 */

/** A generator of uniform floats in [0, 1) with an inspectable 32-bit state. */
export interface Rng {
  /** Next float in [0, 1). */
  next(): number;
  /** Next uint32. */
  nextUint32(): number;
  /** The current state; `mulberry32(state)` continues the same stream. */
  readonly state: number;
}

/** mulberry32: state += 0x6D2B79F5, then a xorshift-multiply output mix. */
export function mulberry32(seed: number): Rng {
  let s = seed >>> 0;
  const nextUint32 = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
  return {
    nextUint32,
    next: () => nextUint32() / 4294967296,
    get state() {
      return s;
    },
  };
}

/** murmur3's 32-bit finalizer: a bijective avalanche mix, used to derive sub-seeds. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Seed for one (seed, stream) pair, e.g. (user seed, epoch). Why: epoch k must be reproducible
 * without replaying epochs 0..k-1, so each epoch gets an independent stream keyed by its number.
 */
export function deriveSeed(seed: number, stream: number): number {
  return fmix32((fmix32(seed >>> 0) ^ Math.imul((stream >>> 0) + 1, 0x9e3779b9)) >>> 0);
}

/** Uniform integer in [0, n) without modulo bias (rejection sampling on uint32). */
export function randomInt(rng: Rng, n: number): number {
  if (n <= 0 || n > 4294967296 || !Number.isInteger(n)) throw new RangeError(`randomInt: n must be an integer in [1, 2^32], got ${n}`);
  const limit = 4294967296 - (4294967296 % n);
  let r = rng.nextUint32();
  while (r >= limit) r = rng.nextUint32();
  return r % n;
}

/** Fisher–Yates shuffle of `out` in place (the classic descending-index form). */
export function shuffleInPlace(out: Int32Array | number[], rng: Rng): void {
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
}

/** A permutation of 0..n-1 drawn from `rng`. */
export function permutation(n: number, rng: Rng): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  shuffleInPlace(p, rng);
  return p;
}
